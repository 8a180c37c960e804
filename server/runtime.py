"""Starts the background parts of `fieldops serve`: push delivery, the MQTT bridge, timers, the live feed.

Registered as a start-up hook of the app; each part is appended to services.background and stopped in reverse.
"""

from __future__ import annotations

from iot.intake import SensorIntake
from iot.startup import MqttRuntime, start_mqtt
from server.live import WorkOrderChanges
from server.metrics import MQTT_CONNECTED
from server.push.owed_sender import OwedPushSender
from server.services import Services
from server.timers import start_timers


class _StateGauge:
    """The bridge state for /health, and for /metrics at every scrape (not only when /health was read)."""

    def __init__(self, runtime: MqttRuntime) -> None:
        self.runtime = runtime
        MQTT_CONNECTED.set_function(lambda: 1.0 if self.runtime.state == "connected" else 0.0)

    @property
    def state(self) -> str:
        return self.runtime.state

    @property
    def detail(self) -> str | None:
        """Why it is not connected (the broker's last refusal, e.g. `Not authorized`), else None."""
        bridge = self.runtime.bridge
        return None if bridge is None or self.state == "connected" else bridge.last_connect_reason

    def stop(self) -> None:
        self.runtime.stop()


def start_background(services: Services) -> None:
    settings = services.settings
    services.pusher = OwedPushSender(settings, services.store, services.holder)
    services.background.append(services.pusher)
    intake = SensorIntake(services, services.pusher, services.feed)
    mqtt = start_mqtt(settings, intake.handle, intake.dead_letter, intake.handle_batch, intake.urgent)
    if mqtt.broker is not None:  # so `fieldops simulate` finds the embedded broker of `make run`
        (settings.data_dir / "mqtt-url").write_text(mqtt.broker.url)
    services.bridge = _StateGauge(mqtt)
    services.background.append(services.bridge)
    services.pusher.resend_pending()
    services.background.append(start_timers(services, services.pusher, services.pusher.owe_work_order_escalation))
    services.background.append(WorkOrderChanges(services.store, services.feed).start())
