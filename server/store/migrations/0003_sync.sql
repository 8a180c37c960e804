-- Sync: where each device's mutation queue stands (per user and client id), and the mutations the
-- server refused (kept with their arguments so nothing from the field is lost).

CREATE TABLE sync_clients (
    user_id TEXT NOT NULL REFERENCES users(id),
    client_id TEXT NOT NULL,
    last_mutation_id INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_push_at TEXT,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE sync_rejections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    mutation_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    client_ts TEXT,
    occurred_at TEXT,
    recorded_at TEXT NOT NULL,
    UNIQUE (user_id, client_id, mutation_id)
);

-- A technician's full pull selects the orders they created as well as those assigned to them.
CREATE INDEX work_orders_created_by ON work_orders(created_by);
