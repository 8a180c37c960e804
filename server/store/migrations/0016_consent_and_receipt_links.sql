-- The company's policies that mutators read inside their transaction (written from the settings at start,
-- so an offline step replayed later is judged by the policy in force), and customers' receipt links.
CREATE TABLE company_policy (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A link opens one order's receipt with no account. Only the token's hash is kept (like login tokens).
CREATE TABLE receipt_links (
    token_hash TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX receipt_links_order ON receipt_links(work_order_id);
