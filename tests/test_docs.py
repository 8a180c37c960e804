"""Docs that cannot rot: the README's settings, CLI help, routes, mutations and MQTT topics are generated
from the code, and this fails when someone changed the code without `make docs`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_reference_sections_match_the_code():
    done = subprocess.run([sys.executable, "ops/readme.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + "\n(run `make docs` and commit README.md)"


def test_every_contract_setting_mutation_and_route_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in ["FIELDOPS_DATA_DIR", "FIELDOPS_HOST", "FIELDOPS_PORT", "FIELDOPS_MQTT_URL", "FIELDOPS_ESCALATE_AFTER_S", "FIELDOPS_PUSH_INSECURE_HOSTS"]:
        assert f"`{name}`" in readme
    for mutation in ["create_work_order", "dispatch", "accept", "arrive", "confirm_scope", "add_note", "attach_photo", "complete", "sign_off",
                     "defer", "call_back", "cancel", "ack_alarm", "resolve_alarm", "start_shift", "end_shift"]:
        assert f"| `{mutation}` |" in readme, mutation
    for route in ["/api/v1/auth/login", "/api/v1/mutations/{name}", "/api/v1/work-orders/{work_order_id}", "/api/v1/sync/push", "/api/v1/sync/pull",
                  "/api/v1/blobs/{sha256}", "/api/v1/alarms", "/api/v1/push/key", "/api/v1/push/subscriptions", "/api/v1/reports/monthly", "/health", "/metrics"]:
        assert f"`{route}`" in readme, route
    for topic in ["fieldops/+/+/event", "zigbee2mqtt/#", "shellies/#"]:
        assert topic in readme, topic
    for command in ["serve", "site add", "user add", "device add", "simulate", "report", "backup", "restore", "purge"]:
        assert f"$ fieldops {command} --help" in readme, command
