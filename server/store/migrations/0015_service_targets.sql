-- The company's rules as data (issue 12): service targets per company or site, the company's own
-- closures and extra working days, and on each order the targets it was created under and the times
-- the record and reply steps are measured from.
CREATE TABLE service_targets (
    key TEXT NOT NULL,
    site_id TEXT NOT NULL DEFAULT '',          -- '' is company-wide; a site's row wins over it
    value INTEGER NOT NULL CHECK (value >= 0),
    unit TEXT NOT NULL CHECK (unit IN ('seconds', 'working_days')),
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (key, site_id)
);

CREATE TABLE company_days (
    day TEXT PRIMARY KEY,                      -- YYYY-MM-DD in the company's time zone
    working INTEGER NOT NULL CHECK (working IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);

-- On each order: the targets in force at creation (JSON {key: [value, unit]}), the contact (call, visit,
-- first sensor message), the first response recorded on it, and a sub-kind targets may name (gas_ignition).
ALTER TABLE work_orders ADD COLUMN sla_targets TEXT;
ALTER TABLE work_orders ADD COLUMN contacted_at TEXT;
ALTER TABLE work_orders ADD COLUMN replied_at TEXT;
ALTER TABLE work_orders ADD COLUMN work_type TEXT;
