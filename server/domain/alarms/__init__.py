"""Alarms in the domain: sensor events in our terms (`events`), the rules that make them alarms, tickets and owed pushes
(`rules`), a batch of messages applied in one transaction (`intake`), with a storm's repeats merged (`batch`).

Imports neither paho nor Litestar nor the Web Push wire module: `iot/` (MQTT) and the timers call into it.
"""
