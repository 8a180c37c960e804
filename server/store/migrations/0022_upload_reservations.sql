-- Resumable (tus) uploads under way, one row each: a user's quota of unfinished uploads (FIELDOPS_MAX_OPEN_UPLOADS,
-- FIELDOPS_MAX_UPLOAD_BYTES_IN_FLIGHT) is counted here, in the database every instance shares, so two creations
-- landing on two instances cannot both take the last place. The bytes stay where they were (files or the bucket).
CREATE TABLE upload_reservations (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    active_at TEXT NOT NULL
);
CREATE INDEX upload_reservations_by_owner ON upload_reservations (owner_id);

-- One row per user who ever uploaded: a creation first upserts it, which on PostgreSQL locks it until commit, so
-- one user's creations count and reserve one after another across instances (SQLite's single writer does anyway).
CREATE TABLE upload_quota_turns (
    owner_id TEXT PRIMARY KEY,
    taken_at TEXT NOT NULL
);
