-- Hardening of access (issue 17): a per-database secret that signs pull cookies, the login throttle's
-- failures (kept across restarts, pruned as they age out), and everyone who proved they hold a blob's bytes.

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Made here, once per database, so every instance sharing the database (and a restored backup) agrees.
INSERT INTO server_secrets (name, value) VALUES ('pull_cookie', lower(hex(randomblob(32))));

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_address ON login_failures(address, at);
CREATE INDEX login_failures_at ON login_failures(at);

-- A blob's bytes may be uploaded by several people (identical photos): each of them has proved possession.
CREATE TABLE blob_uploaders (
    sha256 TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
INSERT INTO blob_uploaders (sha256, user_id) SELECT sha256, uploaded_by FROM blobs WHERE uploaded_by IS NOT NULL;
