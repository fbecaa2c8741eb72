-- 0005: anonymous feedback (docs/design.md section 4, docs/privacy.md). An item must stay unlinkable to
-- its author even for someone holding this file, so the schema has no column that could carry an author: no member,
-- channel, message or interaction id, and no time of day (dates only). Item ids are random, never
-- AUTOINCREMENT, so their order says nothing about when items arrived. Retraction codes are kept only
-- as a salted SHA-256. Deleted rows are zeroed by PRAGMA secure_delete (set in bot/db).

-- A release: the items that were waiting when at least feedback.min_batch had arrived.
CREATE TABLE feedback_batches (
    guild_id     INTEGER NOT NULL,
    number       INTEGER NOT NULL,          -- 1, 2, 3... per guild; only orders batches
    released_on  TEXT NOT NULL,             -- DATE (UTC) of the release, never a time
    PRIMARY KEY (guild_id, number)
) WITHOUT ROWID;

CREATE TABLE feedback_items (
    id         INTEGER PRIMARY KEY,         -- random 63-bit value chosen by the service
    guild_id   INTEGER NOT NULL,
    topic      TEXT NOT NULL CHECK (topic IN ('general', 'process', 'partnership', 'other')),
    text       TEXT NOT NULL CHECK (length(text) > 0),
    day        TEXT NOT NULL,               -- DATE (UTC) it arrived, never a time
    code_salt  BLOB NOT NULL,
    code_hash  BLOB NOT NULL,               -- sha256(code_salt || retraction code)
    batch      INTEGER,                     -- NULL while waiting for release
    position   INTEGER,                     -- random order inside its batch
    FOREIGN KEY (guild_id, batch) REFERENCES feedback_batches (guild_id, number)
);

CREATE INDEX feedback_items_by_batch ON feedback_items (guild_id, batch, position);

-- What is left of a retracted or expired item: only the code's salted hash, so asking again says
-- "already retracted" instead of "unknown code". Kept until expires_on.
CREATE TABLE feedback_tombstones (
    guild_id    INTEGER NOT NULL,
    code_salt   BLOB NOT NULL,
    code_hash   BLOB NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('retracted', 'expired')),
    expires_on  TEXT NOT NULL               -- DATE (UTC)
);

CREATE INDEX feedback_tombstones_by_guild ON feedback_tombstones (guild_id);
