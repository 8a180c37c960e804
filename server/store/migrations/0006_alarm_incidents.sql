-- Joining a new alarm to its site's open incident looks up the site's recent alarms by first_seen.
CREATE INDEX alarms_site_first_seen ON alarms(site_id, first_seen);
