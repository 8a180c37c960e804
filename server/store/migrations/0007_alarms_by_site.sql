-- Device ids repeat across sites (every site may have its own `leak1`): an alarm is one per site,
-- device and kind, and a native device's liveness is kept per the site its topic names.
CREATE INDEX alarms_site_device ON alarms(site_id, device_id, kind, state);
DROP INDEX alarms_device;

CREATE TABLE sensor_devices_by_site (
    source TEXT NOT NULL,
    topic_site TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL,
    site_id TEXT,
    last_seen TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 1,
    battery INTEGER,
    silent_reported_at TEXT,
    PRIMARY KEY (source, topic_site, device)
);
INSERT INTO sensor_devices_by_site (source, topic_site, device, site_id, last_seen, online, battery, silent_reported_at)
    SELECT source, CASE WHEN source = 'native' THEN coalesce(site_id, '') ELSE '' END, device, site_id, last_seen, online, battery, silent_reported_at
    FROM sensor_devices;
DROP TABLE sensor_devices;
ALTER TABLE sensor_devices_by_site RENAME TO sensor_devices;
