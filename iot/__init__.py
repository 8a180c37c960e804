"""Sensors over MQTT: adapters that read device payloads and the bridge that moves them.

Adapters are pure (`iot.adapters`); `iot.bridge` owns the paho client; `iot.embedded_broker` serves `make run`.
What the events mean (alarms, tickets, owed pushes) is the domain's: `server.domain.alarms`, which never imports `iot`.
"""
