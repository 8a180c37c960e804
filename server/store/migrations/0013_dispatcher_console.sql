-- The dispatcher's console (issue 10): how a report came in (contacted_at is 0015's), the
-- kind of help asked for, a complaint's particulars, and how each refusal or conflict was resolved.

ALTER TABLE work_orders ADD COLUMN channel TEXT;
ALTER TABLE work_orders ADD COLUMN help_kind TEXT;
-- JSON {"about", "happened", "wants"}: who or which department is complained about, what happened, what the customer wants.
ALTER TABLE work_orders ADD COLUMN complaint_details TEXT;

-- When the refused step happened on the device (beside created_at, when the server learned of it):
-- the review list marks a refusal "offline" only when the two differ.
ALTER TABLE conflicts ADD COLUMN occurred_at TEXT;
ALTER TABLE conflicts ADD COLUMN resolution TEXT;
ALTER TABLE conflicts ADD COLUMN resolution_note TEXT;
