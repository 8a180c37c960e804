-- Pull versions in commit order: every writing transaction takes its change-log versions from this one row
-- (UPDATE ... RETURNING), whose row lock it then holds until it commits. A transaction that took a lower
-- version has therefore committed before any higher one can be taken, so a pull that saw version v never
-- meets a change committed later below v. On SQLite the single writer already serialises; on PostgreSQL a
-- sequence (or an identity column) would not: its values are handed out at INSERT, not at COMMIT.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO change_counter (id, version) SELECT 1, coalesce(max(version), 0) FROM changes;
