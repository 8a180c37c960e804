"""A plain paho publisher for tests: the outside world (sensors, gateways) sending to the broker.

Not a fixture of the bridge: it is a separate client with its own credentials.
"""

from __future__ import annotations

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from iot.mqtt_url import parse_mqtt_url


class Publisher:
    def __init__(self, url: str, client_id: str = "test-publisher") -> None:
        address = parse_mqtt_url(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if address.username:
            self.client.username_pw_set(address.username, address.password)
        self.client.connect(address.host, address.port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes | str, retain: bool = False, qos: int = 1):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout=5)
        return info

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
