"""Starts the background parts of `fieldops serve`: push delivery, the MQTT bridge, timers, the live feed.

Registered as a start-up hook of the app; each part is appended to services.background and stopped in reverse.
"""

from __future__ import annotations

from iot.intake import SensorIntake
from iot.startup import MqttRuntime, start_mqtt
from server.alarm_push import AlarmPusher
from server.live import WorkOrderChanges
from server.metrics import MQTT_CONNECTED
from server.services import Services
from server.timers import Timers


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
    pusher = services.pusher = AlarmPusher(settings, services.store, services.holder)
    services.background.append(pusher)
    services.notify_supervisors = pusher.notify_supervisors  # escalations go out by Web Push from now on
    intake = SensorIntake(services, pusher, services.feed)
    mqtt = start_mqtt(settings, intake.handle, intake.dead_letter, intake.handle_batch, intake.urgent)
    if mqtt.broker is not None:  # so `fieldops simulate` finds the embedded broker of `make run`
        (settings.data_dir / "mqtt-url").write_text(mqtt.broker.url)
    bridge = services.bridge = _StateGauge(mqtt)
    services.background.append(bridge)
    pusher.resend_pending()
    services.background.append(Timers(services, pusher, services.feed, settings.device_silent_after_s).start())
    services.background.append(WorkOrderChanges(services.store, services.feed).start())
