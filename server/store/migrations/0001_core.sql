-- Core: sites, users and their sites, tokens, work orders with their audit trail, notes, photos,
-- call-backs, conflicts shown to dispatchers, the sync change log, and the device registry.

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('dispatcher', 'technician', 'guard', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE user_sites (
    user_id TEXT NOT NULL REFERENCES users(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX user_sites_site ON user_sites(site_id);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE work_orders (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    unit TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_phone TEXT NOT NULL DEFAULT '',
    complaint_level TEXT,
    rework_of TEXT REFERENCES work_orders(id),
    requested_at TEXT,
    assignee_id TEXT REFERENCES users(id),
    scope TEXT,
    labor_fee INTEGER,
    material_fee INTEGER,
    consent TEXT,
    summary TEXT,
    signature TEXT,
    defer_reason TEXT,
    promised_at TEXT,
    cancel_reason TEXT,
    created_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    dispatched_at TEXT,
    accepted_at TEXT,
    arrived_at TEXT,
    scope_confirmed_at TEXT,
    completed_at TEXT,
    completion_recorded_at TEXT,
    signed_off_at TEXT,
    called_back_at TEXT,
    closed_at TEXT,
    cancelled_at TEXT,
    last_occurred_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX work_orders_site_status ON work_orders(site_id, status);
CREATE INDEX work_orders_assignee ON work_orders(assignee_id, status);
CREATE INDEX work_orders_created ON work_orders(created_at);
CREATE INDEX work_orders_rework ON work_orders(rework_of);

-- The audit trail: append-only, hash-chained per order (hash = sha256(prev_hash || canonical event)).
CREATE TABLE wo_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    actor_id TEXT,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (work_order_id, n)
);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    author_id TEXT REFERENCES users(id),
    text TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX notes_order ON notes(work_order_id);

CREATE TABLE photos (
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    added_by TEXT REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (work_order_id, sha256)
);
CREATE INDEX photos_sha ON photos(sha256);

CREATE TABLE call_backs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    actor_id TEXT REFERENCES users(id),
    reached INTEGER NOT NULL,
    satisfied INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX call_backs_order ON call_backs(work_order_id);

-- What a dispatcher must review: refused offline steps, documents that changed under a signature.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT,
    site_id TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    mutation TEXT NOT NULL,
    actor_id TEXT,
    client_id TEXT,
    mutation_id INTEGER,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT
);
CREATE INDEX conflicts_open ON conflicts(site_id, resolved_at);

-- Sync change log: every write to a synced object appends (type, id) under a new version.
CREATE TABLE changes (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    obj_id TEXT NOT NULL
);
CREATE INDEX changes_obj ON changes(type, obj_id);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    zone TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('native', 'zigbee2mqtt', 'shelly')),
    name TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX devices_source_name ON devices(source, name) WHERE name IS NOT NULL;

-- Content-addressed blobs (photos, signature images); the bytes live under FIELDOPS_DATA_DIR/blobs.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    uploaded_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL
);
