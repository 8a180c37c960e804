-- Reports and operations: escalation timers kept as rows (so they survive restarts) and the
-- "harm still going on" flag of an order (DOMAIN.md Complaints: harm is stopped first).

CREATE TABLE escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id),
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    due_at TEXT NOT NULL,
    -- set when supervisors were notified; dropped_at when the condition ended before it was due
    fired_at TEXT,
    dropped_at TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    UNIQUE (work_order_id, kind)
);
CREATE INDEX escalations_pending ON escalations(due_at) WHERE fired_at IS NULL AND dropped_at IS NULL;
CREATE INDEX escalations_site ON escalations(site_id, fired_at);

ALTER TABLE work_orders ADD COLUMN harm_ongoing_since TEXT;
