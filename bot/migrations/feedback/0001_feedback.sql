-- 0001: the feedback store. Anonymous feedback lives in a database file of its own, apart from the
-- leads, reviews and digests, so that nothing in either file's bytes shows which other writes an item
-- sat between (see bot/db). An item must stay unlinkable to its author even for someone holding this
-- file: no column could carry an author (no member, channel, message or interaction id), there is no
-- time of day (dates only), item ids are random 63-bit values (rowid order says nothing about arrival),
-- and the waiting items are written back in id order at every commit, so that where a row sits inside
-- its page does not show when it arrived either. Retraction codes are kept only as a salted SHA-256.
-- Deleted rows and freed pages are zeroed (PRAGMA secure_delete).

-- Items not yet released: rewritten in id order at every commit of this file.
CREATE TABLE feedback_waiting (
    id         INTEGER PRIMARY KEY,         -- random 63-bit value chosen by the service
    guild_id   INTEGER NOT NULL,
    topic      TEXT NOT NULL CHECK (topic IN ('general', 'process', 'partnership', 'other')),
    text       TEXT NOT NULL CHECK (length(text) > 0),
    day        TEXT NOT NULL,               -- DATE (UTC) it arrived, never a time
    code_salt  BLOB NOT NULL,
    code_hash  BLOB NOT NULL                -- sha256(code_salt || retraction code)
);

-- A release, made only at a scheduled digest: released_at is that digest's scheduled time (public), never
-- the time any item arrived.
CREATE TABLE feedback_batches (
    guild_id     INTEGER NOT NULL,
    number       INTEGER NOT NULL,          -- 1, 2, 3... per guild; only orders batches
    released_at  INTEGER NOT NULL,          -- unix seconds of the scheduled digest that released it
    PRIMARY KEY (guild_id, number)
) WITHOUT ROWID;

-- Released items, inserted in id order when their batch is released; position is their random order.
CREATE TABLE feedback_released (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    topic      TEXT NOT NULL CHECK (topic IN ('general', 'process', 'partnership', 'other')),
    text       TEXT NOT NULL CHECK (length(text) > 0),
    day        TEXT NOT NULL,
    code_salt  BLOB NOT NULL,
    code_hash  BLOB NOT NULL,
    batch      INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    FOREIGN KEY (guild_id, batch) REFERENCES feedback_batches (guild_id, number)
);

CREATE INDEX feedback_released_by_batch ON feedback_released (guild_id, batch, position);

-- What is left of a retracted or expired item: only the code's salted hash, so asking again says
-- "already retracted" instead of "unknown code". Kept until expires_on. Keyed by the (random) hash, so
-- neither a rowid nor the row's place shows the order of retractions.
CREATE TABLE feedback_tombstones (
    code_hash   BLOB NOT NULL PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    code_salt   BLOB NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('retracted', 'expired')),
    expires_on  TEXT NOT NULL               -- DATE (UTC)
) WITHOUT ROWID;

-- Every item, waiting or released, for diagnostics and tests (the bot itself reads the tables).
CREATE VIEW feedback_items AS
    SELECT id, guild_id, topic, text, day, code_salt, code_hash, NULL AS batch, NULL AS position
    FROM feedback_waiting
    UNION ALL
    SELECT id, guild_id, topic, text, day, code_salt, code_hash, batch, position FROM feedback_released;
