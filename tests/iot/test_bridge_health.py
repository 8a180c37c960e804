"""The service tells when its bridge is down: a broker refusing our credentials shows as `mqtt: disconnected`
(with the broker's reason) on /health and as fieldops_mqtt_connected 0 on /metrics, never as ok."""

from __future__ import annotations

import re

from tests.sensor_fixtures import wait_for


def connected_gauge(server) -> float:
    text = server.anonymous().get("/metrics").text
    return float(re.search(r"^fieldops_mqtt_connected (\S+)$", text, re.M).group(1))


def test_a_broker_refusing_our_password_shows_as_a_bridge_down_on_health_and_metrics(start_server, mosquitto_broker):
    server = start_server(env={"FIELDOPS_MQTT_URL": f"mqtt://fieldops:wrong@127.0.0.1:{mosquitto_broker.port}"})
    health = wait_for(lambda: (h := server.health()).get("mqtt_detail") and h, what="the broker's refusal on /health")
    assert health["mqtt"] == "disconnected" and health["mqtt_detail"] in ("Not authorized", "Bad user name or password")
    assert health["status"] == "degraded" and health["db"] == "ok"
    assert connected_gauge(server) == 0


def test_metrics_follow_the_bridge_at_every_scrape_without_health_being_read(alarm_server, mosquitto_broker):
    server = alarm_server()
    assert connected_gauge(server) == 1
    mosquitto_broker.stop()
    wait_for(lambda: connected_gauge(server) == 0, what="fieldops_mqtt_connected 0 once the broker is gone")
    assert server.health()["mqtt"] == "disconnected" and server.health()["status"] == "degraded"
    mosquitto_broker.start()
    wait_for(lambda: connected_gauge(server) == 1, timeout=40, what="fieldops_mqtt_connected 1 once it is back")
