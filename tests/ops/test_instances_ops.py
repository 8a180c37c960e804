"""The several-instance deployment files say what the service does: HAProxy checks /health on every host, each host
has its own MQTT client id and the same share group, the drain unit takes over a dead host's session, and the
failure modes are written down for each part that can go."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings, env_name
from tests.ops.test_ops_files import unit_settings

OPS = Path(__file__).resolve().parents[2] / "ops"
# Named in CONTRACT.md; its setting comes with the PostgreSQL store.
CONTRACT_ONLY = {"FIELDOPS_DATABASE_URL"}


def test_haproxy_health_checks_every_host_on_health_and_needs_no_stickiness():
    cfg = (OPS / "instances" / "haproxy.cfg").read_text()
    assert "option httpchk GET /health" in cfg and "http-check expect status 200" in cfg
    servers = [line.split() for line in cfg.splitlines() if line.strip().startswith("server ")]
    assert len(servers) >= 2 and all("check" in s for s in servers)
    directives = "\n".join(line.split("#", 1)[0] for line in cfg.splitlines())
    assert "cookie" not in directives and "stick" not in directives  # any host serves any request
    assert "timeout tunnel" in cfg  # SSE streams stay open


def test_each_host_has_its_own_client_id_and_all_share_one_group_and_known_settings():
    env = unit_settings(OPS / "instances" / "fieldops-host.env")
    known = {env_name(field) for field in Settings.__struct_fields__} | CONTRACT_ONLY
    ours = {k for k in env if k.startswith("FIELDOPS_")}
    assert ours <= known, ours - known
    assert env["FIELDOPS_MQTT_SHARE_GROUP"] == ["fieldops"] and env["FIELDOPS_MQTT_CLIENT_ID"] == ["fieldops-host-a"]
    assert env["FIELDOPS_BLOB_URL"][0].startswith("s3://") and {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"} <= set(env)
    drain = unit_settings(OPS / "instances" / "fieldops-drain@.service")
    assert drain["ExecStart"] == ["/opt/fieldops/.venv/bin/fieldops serve"] and "FIELDOPS_MQTT_CLIENT_ID=%i" in drain["Environment"]


def test_the_failure_modes_of_every_shared_part_are_written_down_with_what_the_operator_sees():
    doc = (OPS / "INSTANCES.md").read_text()
    for part in ("one instance", "the broker", "the database primary", "the object store"):
        assert f"| {part}" in doc, part
    for metric in ("fieldops_mqtt_connected", "fieldops_blob_store_up", "fieldops_push_outbox_oldest_seconds"):
        assert metric in doc
    alerts = (OPS / "prometheus" / "alerts.yml").read_text()
    for alert in ("FieldOpsPushesNotSent", "FieldOpsBlobStoreUnreachable", "FieldOpsOnlyOneInstanceLeft"):
        assert alert in alerts and alert in doc
