-- The tree's hashes, 32 to a row: row `chunk` of level `level` holds that level's hashes
-- chunk*32 .. chunk*32+31, hex, concatenated in order (a level's last row may hold fewer).
-- A sequencer batch then writes about one row per 16 entries instead of two rows per entry,
-- and rewrites at most 2 KiB of a row it extends (src/db/audit/log.rs). The rows of
-- `audit_tree_hashes` are moved here when the gateway starts and before each sequencer
-- round while any are left (`move_hashes_into_chunks`); that table stays, empty.
CREATE TABLE audit_tree_chunks (
    level   BIGINT NOT NULL,
    chunk   BIGINT NOT NULL,
    hashes  TEXT NOT NULL,
    PRIMARY KEY (level, chunk)
);
