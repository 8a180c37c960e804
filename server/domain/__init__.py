"""Domain rules: the mutators of the repair procedure, access, audit chain and SLA.

Nothing here imports Litestar or paho; HTTP, sync and MQTT call into these functions.
"""
