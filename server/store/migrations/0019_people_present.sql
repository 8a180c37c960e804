-- Who was there when a call for help or an emergency was dealt with (complete's people_present): such orders
-- often have no customer to sign, so the technician records the people present instead.
ALTER TABLE work_orders ADD COLUMN people_present TEXT;
