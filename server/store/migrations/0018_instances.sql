-- Several instances on one database: background work is claimed, not assumed. A claim is a lease
-- (holder, lease_until) taken by a conditional UPDATE, so one instance holds it, and another takes the
-- work over once the holder stops renewing (it died). Portable SQL: the PostgreSQL store runs it too.

ALTER TABLE push_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE push_outbox ADD COLUMN lease_until TEXT;
ALTER TABLE escalations ADD COLUMN claimed_by TEXT;
ALTER TABLE escalations ADD COLUMN lease_until TEXT;

-- Periodic work done once per period across instances (device-silence checks, forgetting old message ids):
-- whoever moves next_at forward runs the round.
CREATE TABLE periodic_turns (
    name TEXT PRIMARY KEY,
    holder TEXT,
    next_at TEXT NOT NULL,
    ran_at TEXT
);

-- Per-installation secrets every instance must share (the VAPID key that browsers bind their push subscriptions
-- to), kept with the data rather than in one host's data directory. The first instance to start writes it.
CREATE TABLE installation_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
