-- Text the system writes for people, as data (server/domain/system_texts.py): a code and its arguments
-- (JSON text) beside the English fallback the CONTRACT field keeps, so each reader gets their language.
ALTER TABLE work_orders ADD COLUMN title_code TEXT;
ALTER TABLE work_orders ADD COLUMN title_args TEXT;
ALTER TABLE work_orders ADD COLUMN description_code TEXT;
ALTER TABLE work_orders ADD COLUMN description_args TEXT;
ALTER TABLE notes ADD COLUMN note_code TEXT;
ALTER TABLE notes ADD COLUMN note_args TEXT;
ALTER TABLE dead_letters ADD COLUMN reason_code TEXT;
ALTER TABLE dead_letters ADD COLUMN reason_args TEXT;
