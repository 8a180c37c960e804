"""Prometheus figures of the domain (mutations, sync, alarms, pushes); HTTP figures come from Litestar's plugin.

Counters are module-level so every part of the process reports into one registry.
"""

from prometheus_client import Counter, Gauge, Histogram

MUTATIONS = Counter("fieldops_mutations_total", "Mutations by name and outcome (applied, refused).", ["name", "outcome"])
SYNC_PUSHES = Counter("fieldops_sync_push_total", "Sync push requests.", ["outcome"])
SYNC_MUTATIONS = Counter("fieldops_sync_mutations_total", "Mutations from sync by outcome (applied, rejected, skipped).", ["outcome"])
SYNC_PULLS = Counter("fieldops_sync_pull_total", "Sync pull requests by kind (full, delta, rescope; quiet: no change, answered from memory).", ["kind"])
ALARMS = Counter("fieldops_alarms_total", "Alarm messages by outcome (raised, repeat, cleared, dead_letter).", ["outcome"])
ALARMS_UNACKED = Gauge("fieldops_alarms_unacknowledged", "Active alarms nobody has acknowledged.")
PUSHES = Counter("fieldops_push_deliveries_total", "Web Push delivery attempts by result (ok, gone, retry, failed).", ["result"])
PUSH_OUTBOX_OLDEST = Gauge("fieldops_push_outbox_oldest_seconds", "Age of the oldest push owed and not yet done (0 when none): grows when no instance is sending (all down, or claims stuck).")
BLOB_STORE_UP = Gauge("fieldops_blob_store_up", "1 while the blob store (the object store of FIELDOPS_BLOB_URL, or the data directory) answers /health's check.")
MQTT_CONNECTED = Gauge("fieldops_mqtt_connected", "1 while the MQTT bridge is connected.")
OVERDUE_ORDERS = Gauge("fieldops_overdue_work_orders", "Open work orders past an SLA target, by step.", ["step"])
ALARM_LATENCY = Histogram("fieldops_alarm_handling_seconds", "MQTT message to committed ticket.", buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1))
ESCALATIONS = Counter("fieldops_escalations_total", "Escalations handed to the supervisors' notifier, by kind (complaint_received, resolve_overdue, call_back_overdue, ...).", ["kind"])
