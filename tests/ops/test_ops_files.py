"""The shipped operations files say what the service does: alert rules name metrics /metrics really
exports, the systemd unit runs `fieldops serve` hardened with settings the service knows, the proxy has TLS."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from server.settings import Settings, env_name

OPS = Path(__file__).resolve().parents[2] / "ops"


def exported_names(metrics_text: str) -> set[str]:
    return {line.split()[2] for line in metrics_text.splitlines() if line.startswith("# TYPE ")}


def test_alert_rules_use_only_metrics_the_service_exports(start_server, as_user_of):
    server = start_server()
    client = as_user_of(server, "disp")
    client.get("/api/v1/sites")  # a request, so the HTTP counters exist
    exported = exported_names(client.get("/metrics").text)
    rules = yaml.safe_load((OPS / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"\bfieldops_[a-z_]+", rule["expr"])}
    assert used and used <= exported, used - exported
    assert {"fieldops_mqtt_connected", "fieldops_alarms_unacknowledged", "fieldops_push_deliveries_total", "fieldops_overdue_work_orders"} <= used
    assert all(rule["labels"]["severity"] in ("critical", "warning") and rule["annotations"]["summary"] for rule in rules)


def unit_settings(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_systemd_unit_runs_fieldops_serve_with_hardening_and_known_settings():
    unit = unit_settings(OPS / "systemd" / "fieldops.service")
    assert unit["ExecStart"] == ["/opt/fieldops/.venv/bin/fieldops serve"]
    assert unit["EnvironmentFile"] == ["/etc/fieldops/fieldops.env"] and unit["StateDirectory"] == ["fieldops"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                       "PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes", "Restart": "always"}.items():
        assert unit[key] == [value], key
    env = unit_settings(OPS / "systemd" / "fieldops.env")
    known = {env_name(field) for field in Settings.__struct_fields__}
    assert set(env) <= known, set(env) - known
    assert env["FIELDOPS_DATA_DIR"] == ["/var/lib/fieldops"] and env["FIELDOPS_HOST"] == ["127.0.0.1"] and env["FIELDOPS_DEMO"] == ["0"]
    backup = unit_settings(OPS / "systemd" / "fieldops-backup.service")
    assert "fieldops backup /var/backups/fieldops/" in backup["ExecStart"][0]
    assert unit_settings(OPS / "systemd" / "fieldops-purge.service")["ExecStart"] == ["/opt/fieldops/.venv/bin/fieldops purge"]


def test_the_reverse_proxies_terminate_tls_in_front_of_the_local_listener():
    caddy = (OPS / "proxy" / "Caddyfile").read_text()
    assert re.search(r"^fieldops\.example\.com \{", caddy, re.M)  # a site name: Caddy's automatic HTTPS
    assert "reverse_proxy 127.0.0.1:8000" in caddy and "flush_interval -1" in caddy and "http://" not in caddy
    nginx = (OPS / "proxy" / "nginx.conf").read_text()
    assert "listen 443 ssl" in nginx and "return 301 https://" in nginx and "proxy_pass http://127.0.0.1:8000" in nginx
    assert "location /api/v1/events/stream" in nginx and "proxy_buffering off" in nginx
