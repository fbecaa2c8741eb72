-- 0004: working-group updates and digest delivery.
-- Updates are stored before they are posted, so a failed post leaves message_id NULL for tick() to
-- retry. Digest runs are recorded, with every rendered part, before anything is sent: each part keeps
-- the nonce it is sent with and, once Discord accepted it, its message id, so delivery resumes at the
-- first unsent part and never posts a part twice. The watermark (where the next digest starts) is the
-- end of the latest run that was delivered or deliberately skipped.

CREATE TABLE updates (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    area        TEXT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,
    author_id   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    channel_id  INTEGER,
    message_id  INTEGER,
    posted_at   INTEGER,
    thread_id   INTEGER
);

CREATE INDEX updates_by_time ON updates (guild_id, created_at);
CREATE INDEX updates_by_posted ON updates (guild_id, posted_at) WHERE posted_at IS NOT NULL;
CREATE INDEX updates_unposted ON updates (guild_id, id) WHERE message_id IS NULL;

CREATE TABLE digest_runs (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    -- scheduled | catch_up | manual | skipped_catch_up | skipped_empty | baseline
    kind          TEXT NOT NULL,
    -- pending (recorded, not every part accepted yet) | delivered | skipped
    status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'skipped')),
    locale        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    delivered_at  INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    -- HTTP status of the last failed send (0: timeout or connection), NULL after a success.
    last_error    INTEGER,
    CHECK (period_end >= period_start)
);

-- At most one run per guild is in flight: the state machine finishes it before starting another.
CREATE UNIQUE INDEX digest_runs_one_pending ON digest_runs (guild_id) WHERE status = 'pending';
CREATE INDEX digest_runs_by_end ON digest_runs (guild_id, status, period_end);

CREATE TABLE digest_parts (
    run_id        INTEGER NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    -- {"content": str, "embeds": [embed dicts]}: exactly what is sent, on every attempt.
    payload       TEXT NOT NULL,
    -- Sent with enforce_nonce so Discord drops a repeat within its dedup window.
    nonce         TEXT NOT NULL,
    attempted_at  INTEGER,
    message_id    INTEGER,
    sent_at       INTEGER,
    PRIMARY KEY (run_id, position)
);
