"""Starting the MQTT side from settings: the broker URL (or an embedded broker, or off) and the bridge.

`fieldops serve` calls start_mqtt() once and stop() on shutdown; /health reads `state`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from iot.adapters import topic_filters
from iot.bridge import BatchHandler, BridgeState, ErrorRecorder, MessageHandler, MqttBridge, UrgencyCheck
from iot.embedded_broker import EmbeddedBroker, start_embedded_broker

__all__ = ["MqttSettings", "MqttRuntime", "start_mqtt"]


class MqttSettings(Protocol):
    """The fields of server.settings.Settings this module reads."""

    mqtt_url: str
    mqtt_client_id: str
    mqtt_share_group: str
    mqtt_session_expiry_s: int
    data_dir: Path


class MqttRuntime:
    """The running bridge (None when disabled) and the embedded broker (None when external)."""

    def __init__(self, bridge: MqttBridge | None, broker: EmbeddedBroker | None) -> None:
        self.bridge = bridge
        self.broker = broker

    @property
    def state(self) -> BridgeState:
        return self.bridge.state if self.bridge is not None else "disabled"

    def stop(self) -> None:
        if self.bridge is not None:
            self.bridge.stop()
        if self.broker is not None:
            self.broker.stop()


def start_mqtt(settings: MqttSettings, handler: MessageHandler, on_error: ErrorRecorder, batch_handler: BatchHandler | None = None,
               urgent: UrgencyCheck | None = None) -> MqttRuntime:
    """Subscribe to every adapter's topics and start the bridge; returns at once (connects in background)."""
    if settings.mqtt_url == "off":
        return MqttRuntime(None, None)
    broker = None
    url = settings.mqtt_url
    if not url:
        broker = start_embedded_broker(Path(settings.data_dir))
        url = broker.url
    share_group = settings.mqtt_share_group if broker is None or broker.kind == "mosquitto" else ""
    bridge = MqttBridge(url, handler, on_error, client_id=settings.mqtt_client_id, share_group=share_group,
                        batch_handler=batch_handler, session_expiry_s=settings.mqtt_session_expiry_s, urgent=urgent)
    for topic_filter in topic_filters():
        bridge.subscribe(topic_filter)
    bridge.start()
    return MqttRuntime(bridge, broker)
