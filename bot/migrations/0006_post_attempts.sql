-- Posts the bot has tried to make but not yet recorded as made. A row stays only when the bot stopped (or
-- Discord's answer was lost) between sending and recording: the next attempt then looks in the channel for
-- the message first, since Discord forgets a repeated nonce after a few minutes.
CREATE TABLE post_attempts (
    guild_id      INTEGER NOT NULL,
    key           TEXT NOT NULL,               -- what is being posted, also the message nonce
    attempted_at  INTEGER NOT NULL,            -- unix seconds of the latest attempt
    PRIMARY KEY (guild_id, key)
);
