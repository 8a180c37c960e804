"""The peers benchmark writes what its peers start from correctly: a wired Node-RED flow on our topic, node scripts
that parse, push targets and VAPID keys web-push can use. Offline: nothing here installs from npm.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from ops.bench.peers.node_red import raw_vapid_keys
from ops.bench.peers.node_red_flow import (
    BROKER_NODE,
    ROUTER_TAB,
    function_source,
    push_target,
    settings_js,
    write_router,
)
from ops.bench.peers.npm_install import PeerInstallError, npm_install
from ops.bench.peers.pouchdb_scripts import write_scripts
from tests.push_endpoint import LocalPushService, unb64url

NODE = shutil.which("node") or "/usr/bin/node"


def node_parses(path: Path) -> None:
    done = subprocess.run([NODE, "--check", str(path)], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def vapid() -> Vapid02:
    key = Vapid02()
    key.generate_keys()
    return key


def test_the_router_flow_is_mqtt_in_on_our_topic_wired_to_the_push_function(tmp_path, vapid):
    with LocalPushService() as push:
        public, private = raw_vapid_keys(vapid)
        write_router(tmp_path, tmp_path / "node_modules", 1880, 1883, "fieldops", "secret", {"north": [push.subscribe()]}, public, private, "mailto:bench@example.com")
    nodes = json.loads((tmp_path / "flows.json").read_text())
    by_id = {n["id"]: n for n in nodes}
    assert len(by_id) == len(nodes)
    for n in nodes:
        assert all(target in by_id for output in n.get("wires", []) for target in output), n["id"]
        assert n.get("z", ROUTER_TAB) == ROUTER_TAB
    (mqtt_in,) = [n for n in nodes if n["type"] == "mqtt in"]
    assert mqtt_in["topic"] == "fieldops/+/+/event" and mqtt_in["qos"] == "1" and mqtt_in["broker"] == BROKER_NODE
    assert by_id[mqtt_in["wires"][0][0]]["type"] == "function"
    broker = by_id[BROKER_NODE]
    assert broker["cleansession"] is False and broker["port"] == "1883"  # a backlog queues for it while it is away
    assert json.loads((tmp_path / "flows_cred.json").read_text()) == {BROKER_NODE: {"user": "fieldops", "password": "secret"}}


def test_the_function_node_and_the_settings_are_javascript_node_parses(tmp_path, vapid):
    with LocalPushService() as push:
        source = function_source({"north": [push.subscribe()]}, *raw_vapid_keys(vapid), "mailto:bench@example.com")
    # Node-RED runs a function body inside a function of (msg, node, context, flow, global, env).
    wrapped = tmp_path / "function.js"
    wrapped.write_text(f"async function router(msg, node, context, flow, global, env) {{\n{source}\n}}\n")
    node_parses(wrapped)
    settings = tmp_path / "settings.js"
    settings.write_text(settings_js(tmp_path / "node_modules", 1880))
    node_parses(settings)
    assert "httpAdminRoot: false" in settings.read_text()


def test_the_pouchdb_server_and_client_scripts_parse(tmp_path):
    for script in write_scripts(tmp_path):
        node_parses(script)


def test_a_push_target_is_the_subscriptions_http_endpoint_and_https_is_refused():
    with LocalPushService() as push:
        subscription = push.subscribe()
        target = push_target(subscription)
        assert (target["host"], target["port"]) == ("127.0.0.1", push.port)
        assert f"http://127.0.0.1:{push.port}{target['path']}" == subscription["endpoint"]
    with pytest.raises(ValueError):
        push_target({"endpoint": "https://push.example/1", "keys": {}})


def test_the_vapid_key_handed_to_web_push_is_our_key_pair(vapid):
    public, private = raw_vapid_keys(vapid)
    scalar = int.from_bytes(unb64url(private), "big")
    point = ec.derive_private_key(scalar, ec.SECP256R1()).public_key().public_numbers()
    ours = vapid.public_key.public_numbers()
    assert (point.x, point.y) == (ours.x, ours.y)
    assert len(unb64url(public)) == 65


def test_without_npm_the_bench_stops_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no npm to be found
    with pytest.raises(PeerInstallError, match="npm is not on PATH"):
        npm_install(tmp_path / "npm", ["node-red@5"])
