-- Evidence: every sign-off attempt the customer made (kept even when refused), and an index that
-- finds the order a consent signature (confirm_scope's audit event) belongs to, for blob access.

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    signer_name TEXT NOT NULL,
    signature_sha256 TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    document_sha256 TEXT NOT NULL,
    server_document_sha256 TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('signed_off', 'disputed', 'refused')),
    actor_id TEXT REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (work_order_id, signature_sha256, document_sha256, signed_at)
);
CREATE INDEX signatures_blob ON signatures(signature_sha256);

-- Consent lives in confirm_scope events (the audit trail); a later confirm_scope voids the earlier one.
CREATE INDEX wo_events_consent_signature ON wo_events(json_extract(data, '$.consent.signature_sha256')) WHERE name = 'confirm_scope';
