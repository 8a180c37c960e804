"""Fixtures for the MQTT tests: a real Mosquitto from tests/mqtt_broker.py.

The lead's tests/conftest.py imports the same fixture for the alarm tests.
"""

from tests.mqtt_broker import mosquitto_broker  # noqa: F401  (pytest fixture)
