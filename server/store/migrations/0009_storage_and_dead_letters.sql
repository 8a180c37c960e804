-- /health proves the database takes writes by rewriting this one row (a write probe, fsynced like any commit).
CREATE TABLE storage_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    written_at TEXT NOT NULL
);
-- Dead letters carry the site of their device (named by the topic or placed by the device registry), so a
-- supervisor sees only their sites' (and the unplaced ones, to place them), never another site's payloads.
ALTER TABLE dead_letters ADD COLUMN site_id TEXT;
CREATE INDEX dead_letters_site ON dead_letters(site_id, id);
-- Letters kept before this: native topics name their site; Zigbee2MQTT and Shelly topics name a registered device.
UPDATE dead_letters SET site_id = coalesce(
    (SELECT s.id FROM sites s WHERE topic LIKE 'fieldops/%' AND substr(topic, 1, length(s.id) + 10) = 'fieldops/' || s.id || '/'),
    (SELECT d.site_id FROM devices d WHERE d.source = 'zigbee2mqtt' AND d.name IS NOT NULL
        AND (topic = 'zigbee2mqtt/' || d.name OR substr(topic, 1, length(d.name) + 13) = 'zigbee2mqtt/' || d.name || '/')
        ORDER BY length(d.name) DESC LIMIT 1),
    (SELECT d.site_id FROM devices d WHERE d.source = 'shelly'
        AND (substr(topic, 1, length(d.id) + 10) = 'shellies/' || d.id || '/' OR substr(topic, 1, length(d.id) + 1) = d.id || '/') LIMIT 1));
