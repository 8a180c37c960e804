"""The round-trip benchmark measures real messages through Mosquitto and the bridge.

Small counts keep it fast; the figures themselves come from `python -m ops.bench.mqtt_roundtrip`.
"""

import subprocess
import sys

from ops.bench.mqtt_roundtrip import percentile, roundtrip_latencies_ms


def test_the_benchmark_returns_one_latency_per_message_through_the_project_broker(mosquitto_broker):
    latencies = roundtrip_latencies_ms(mosquitto_broker.url("fieldops"), count=50, publisher_url=mosquitto_broker.url("tester"))
    assert len(latencies) == 50
    assert all(0 < ms < 5000 for ms in latencies)
    assert percentile(latencies, 0.5) <= percentile(latencies, 0.99)


def test_the_benchmark_command_starts_its_own_broker_and_prints_p50_and_p99():
    result = subprocess.run(
        [sys.executable, "-m", "ops.bench.mqtt_roundtrip", "--count", "100"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "p50" in result.stdout and "p99" in result.stdout
