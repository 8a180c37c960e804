"""FIELDOPS_MQTT_URL is read into a broker address: host, port, TLS, credentials, protocol.

Bad URLs fail at start with a clear error, not at the first reconnect.
"""

import pytest

from iot.mqtt_url import parse_mqtt_url
from server.errors import AppError


def test_a_plain_url_with_credentials():
    address = parse_mqtt_url("mqtt://fieldops:p%40ss@broker.example:1884")
    assert (address.host, address.port, address.tls, address.username, address.password) == (
        "broker.example", 1884, False, "fieldops", "p@ss"
    )
    assert "p@ss" not in repr(address)


def test_default_ports_and_tls():
    assert parse_mqtt_url("mqtt://localhost").port == 1883
    tls = parse_mqtt_url("mqtts://broker.example?ca=/etc/ca.pem")
    assert (tls.port, tls.tls, tls.ca_file, tls.protocol) == (8883, True, "/etc/ca.pem", "5")
    assert parse_mqtt_url("mqtt://127.0.0.1:1?protocol=3.1.1").protocol == "3.1.1"


@pytest.mark.parametrize("url", ["http://x:1883", "mqtt://", "mqtt://x:notaport", "mqtt://x?protocol=4"])
def test_bad_urls_are_refused(url):
    with pytest.raises(AppError):
        parse_mqtt_url(url)
