-- 0008: anonymous feedback moved to a database file of its own (bot/migrations/feedback/). bot/db
-- copies any items into that file before this migration runs; these tables are then dropped here, their
-- pages zeroed (secure_delete), and the write-ahead log truncated.
DROP TABLE IF EXISTS feedback_items;
DROP TABLE IF EXISTS feedback_tombstones;
DROP TABLE IF EXISTS feedback_batches;
