-- The device registry's history: a retired sensor leaves `devices` (so its id, friendly name and
-- topic map to nothing any more and its messages are treated as an unregistered device's) and is
-- kept here with who retired it and when.

CREATE TABLE retired_devices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    retired_at TEXT NOT NULL,
    retired_by TEXT REFERENCES users(id)
);
CREATE INDEX retired_devices_site ON retired_devices(site_id, retired_at);
