-- Alarms from building sensors, who is on duty, push subscriptions and every delivery attempt,
-- the push outbox (so a crash between commit and send loses no alarm), dead letters and device liveness.

CREATE TABLE alarms (
    id TEXT PRIMARY KEY,
    site_id TEXT,
    device_id TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    zone TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'cleared')),
    acked_by TEXT REFERENCES users(id),
    acked_at TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    cleared_at TEXT,
    count INTEGER NOT NULL DEFAULT 1,
    transitions TEXT NOT NULL DEFAULT '[]',
    chattering INTEGER NOT NULL DEFAULT 0,
    work_order_id TEXT REFERENCES work_orders(id),
    escalate_at TEXT,
    escalated_at TEXT,
    resolved_at TEXT,
    resolved_by TEXT REFERENCES users(id),
    resolution TEXT
);
CREATE INDEX alarms_site_state ON alarms(site_id, state);
CREATE INDEX alarms_device ON alarms(device_id, kind, state);
CREATE INDEX alarms_escalation ON alarms(escalate_at) WHERE acked_at IS NULL AND escalated_at IS NULL;

-- Messages with a device sequence or timestamp, so a broker redelivery is recognized and skipped.
CREATE TABLE sensor_messages (
    message_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL
);

CREATE TABLE sensor_devices (
    source TEXT NOT NULL,
    device TEXT NOT NULL,
    site_id TEXT,
    last_seen TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 1,
    battery INTEGER,
    silent_reported_at TEXT,
    PRIMARY KEY (source, device)
);

CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX shifts_on_duty ON shifts(site_id, ended_at);

CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users(id),
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);

-- Pushes owed: written in the alarm's transaction, sent after commit, marked done when every delivery finished.
CREATE TABLE push_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alarm_id TEXT,
    audience TEXT NOT NULL,
    site_id TEXT,
    payload TEXT NOT NULL,
    topic TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX push_outbox_pending ON push_outbox(done_at);

CREATE TABLE push_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id INTEGER REFERENCES push_outbox(id),
    alarm_id TEXT,
    user_id TEXT,
    endpoint TEXT NOT NULL,
    status INTEGER,
    ok INTEGER NOT NULL,
    error TEXT,
    attempted_at TEXT NOT NULL
);
CREATE INDEX push_deliveries_alarm ON push_deliveries(alarm_id);

-- Sensors and timers act as this user: it owns alarm tickets in the audit trail and can never log in.
INSERT INTO users (id, username, name, role, password_hash, active, created_at)
VALUES ('system', 'system', 'FieldOps', 'admin', '!', 0, '1970-01-01T00:00:00.000000Z');
