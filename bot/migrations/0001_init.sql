-- 0001: the bot's own bookkeeping: small per-guild values that must survive restarts
-- (for example when a background job last ran). Member ids are deliberately never kept here.

CREATE TABLE guild_state (
    guild_id   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);
