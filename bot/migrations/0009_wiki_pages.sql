-- 0009: publishing on a wiki (docs/design.md section 5). One row per page the bot keeps its part of: what it
-- last wrote there (a hash, to tell a hand edit inside the markers from its own text), when, and how
-- the latest run went. Only public leads ever reach a wiki; nothing here names a member.
CREATE TABLE wiki_pages (
    guild_id      INTEGER NOT NULL,
    key           TEXT NOT NULL CHECK (key IN ('register', 'decisions')),
    title         TEXT NOT NULL,
    written_sha   TEXT,                   -- sha256 of the block last written between the markers
    revision      INTEGER,                -- the wiki's revision id of that edit
    written_at    INTEGER,                -- unix seconds of that edit
    checked_at    INTEGER,                -- unix seconds of the latest run that reached the page
    changes       TEXT,                   -- what the latest edit changed, in a few words
    problem       TEXT,                   -- why the latest run left the page alone (hand_edited, damaged), or NULL
    PRIMARY KEY (guild_id, key)
) WITHOUT ROWID;

-- The latest run as a whole: when it failed to reach the wiki, since when, and why.
CREATE TABLE wiki_runs (
    guild_id       INTEGER PRIMARY KEY,
    last_run_at    INTEGER,               -- unix seconds of the latest run, successful or not
    failing_since  INTEGER,               -- first failure of the current streak, NULL when fine
    failure        TEXT                   -- the latest failure, in a sentence
);
