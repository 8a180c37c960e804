"""Starts the background parts of `fieldops serve`: push delivery, the MQTT bridge, timers, the live feed.

Registered as a start-up hook of the app; each part is appended to services.background and stopped in reverse.
"""

from __future__ import annotations

from typing import Any

from iot.intake import SensorIntake
from iot.startup import start_mqtt
from server.alarm_push import AlarmPusher
from server.metrics import MQTT_CONNECTED
from server.timers import Timers


class _StateGauge:
    """Exports the bridge state to Prometheus whenever /health or /metrics is read."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    @property
    def state(self) -> str:
        state = self.runtime.state
        MQTT_CONNECTED.set(1 if state == "connected" else 0)
        return state

    def stop(self) -> None:
        self.runtime.stop()


def start_background(services: Any) -> None:
    settings = services.settings
    services.pusher = AlarmPusher(settings, services.store)
    services.background.append(services.pusher)
    services.notify_supervisors = services.pusher.notify_supervisors
    intake = SensorIntake(services, services.pusher, services.feed)
    mqtt = start_mqtt(settings, intake.handle, intake.dead_letter, intake.handle_batch)
    if mqtt.broker is not None:  # so `fieldops simulate` finds the embedded broker of `make run`
        (settings.data_dir / "mqtt-url").write_text(mqtt.broker.url)
    services.bridge = _StateGauge(mqtt)
    services.background.append(services.bridge)
    services.pusher.resend_pending()
    services.background.append(Timers(services, services.pusher, services.feed, settings.device_silent_after_s).start())
