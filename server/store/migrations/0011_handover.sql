-- The handover record (交接班) of each shift, written when it ends: the outgoing guard's note, what was
-- still open (JSON lists of ids), who was on duty to take over, and the next guard's confirmation.
ALTER TABLE shifts ADD COLUMN handover_note TEXT;
ALTER TABLE shifts ADD COLUMN open_alarm_ids TEXT;
ALTER TABLE shifts ADD COLUMN open_work_order_ids TEXT;
ALTER TABLE shifts ADD COLUMN taken_over_by TEXT;
-- Unacknowledged alarms left with nobody else on duty: the site's supervisors were pushed for these.
ALTER TABLE shifts ADD COLUMN unattended_alarm_ids TEXT;
ALTER TABLE shifts ADD COLUMN received_by TEXT REFERENCES users(id);
ALTER TABLE shifts ADD COLUMN received_at TEXT;
CREATE INDEX shifts_site_started ON shifts(site_id, started_at);
