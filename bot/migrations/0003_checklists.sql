-- 0003: checklist runs and their answers (docs/design.md section 2). A run keeps the questionnaire's id,
-- version and a full snapshot of its questions, so editing a YAML file never changes or corrupts a
-- run already started. What still has to reach Discord (a thread, the current question, the
-- summary, the lead's update) is visible in these columns, so tick() can finish it after a failure.

CREATE TABLE checklist_runs (
    id                      INTEGER PRIMARY KEY,
    guild_id                INTEGER NOT NULL,
    lead_id                 INTEGER NOT NULL REFERENCES leads (id),
    questionnaire_id        TEXT NOT NULL,
    questionnaire_version   INTEGER NOT NULL,
    questionnaire_title     TEXT NOT NULL,
    -- The questionnaire as JSON when the run started (bot/services/questionnaires.py snapshot()).
    snapshot                TEXT NOT NULL,
    status                  TEXT NOT NULL DEFAULT 'open'
                                CHECK (status IN ('open', 'completed', 'cancelled')),
    -- Index of the question being asked; equals the number of questions once completed.
    position                INTEGER NOT NULL DEFAULT 0,
    -- Index of the question whose message is in the thread (NULL: none yet). When it differs from
    -- position, the current question still has to be posted.
    posted_position         INTEGER,
    -- Bumped at every answer, skip or back: names each question post (its nonce), so a post repeated
    -- after a crash is dropped by Discord while a question asked again after Back is not.
    step                    INTEGER NOT NULL DEFAULT 0,
    thread_id               INTEGER,
    question_message_id     INTEGER,
    summary_message_id      INTEGER,
    -- How far the completed run's effects on the lead got: 0 none, 1 note, 2 flags, 3 status.
    lead_sync               INTEGER NOT NULL DEFAULT 0,
    -- A cancelled run's thread still has to be told and archived while this is 0.
    closed_posted           INTEGER NOT NULL DEFAULT 0,
    started_by              INTEGER NOT NULL,
    started_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    completed_by            INTEGER,
    completed_at            INTEGER,
    cancelled_by            INTEGER,
    cancelled_at            INTEGER
);
-- One open run per lead and questionnaire; a second start finds the first.
CREATE UNIQUE INDEX checklist_runs_one_open
    ON checklist_runs (guild_id, lead_id, questionnaire_id) WHERE status = 'open';
CREATE INDEX checklist_runs_lead ON checklist_runs (guild_id, lead_id, id);
CREATE INDEX checklist_runs_thread ON checklist_runs (guild_id, thread_id);
CREATE INDEX checklist_runs_completed ON checklist_runs (guild_id, completed_at) WHERE status = 'completed';
-- What tick() has to look at: open runs, and finished runs with something left to post or sync.
CREATE INDEX checklist_runs_pending ON checklist_runs (guild_id)
    WHERE (status = 'open' AND (thread_id IS NULL OR posted_position IS NULL OR posted_position != position))
    OR (status = 'completed' AND (summary_message_id IS NULL OR lead_sync < 3))
    OR (status = 'cancelled' AND closed_posted = 0);

CREATE TABLE checklist_answers (
    run_id          INTEGER NOT NULL REFERENCES checklist_runs (id) ON DELETE CASCADE,
    guild_id        INTEGER NOT NULL,
    question_id     TEXT NOT NULL,
    -- The question's index in the run's snapshot.
    position        INTEGER NOT NULL,
    -- JSON: "yes"/"no", 1-5, an option value, a list of option values, or text. NULL when skipped.
    value           TEXT,
    skipped         INTEGER NOT NULL DEFAULT 0,
    answered_by     INTEGER NOT NULL,
    answered_at     INTEGER NOT NULL,
    PRIMARY KEY (run_id, question_id)
);
