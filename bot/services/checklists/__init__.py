"""Checklist runs (docs/design.md section 2): start, answer, skip, go back, complete and cancel. Each run keeps
a snapshot of its questionnaire, so an edited YAML file never changes a run already started.

Other features import from here: ``from bot.services import checklists`` then
``checklists.completed_between(...)``.
"""

from bot.services.checklists.completion import (
    ReviewReadiness,
    completed_between,
    lead_flags,
    review_readiness,
    summary_note,
    sync_flags,
    sync_lead,
)
from bot.services.checklists.model import (
    FLAG_SOURCE,
    SYNC_DONE,
    SYNC_FLAGS,
    SYNC_NOTE,
    TEXT_ANSWER_LIMIT,
    Answer,
    ChecklistRun,
    CompletedRun,
    RaisedFlag,
    StartOutcome,
    Step,
    current_question,
    flag_raised,
    parse_run_id,
    validate_value,
)
from bot.services.checklists.runs import answer, back, cancel_run, cancel_runs_of_closed_lead, skip, start_run
from bot.services.checklists.store import (
    get_run,
    mark_closed_posted,
    mark_posted,
    mark_summary_posted,
    open_runs,
    pending_runs,
    run_for_thread,
    runs_for_lead,
    set_thread,
)

__all__ = [
    "FLAG_SOURCE",
    "SYNC_DONE",
    "SYNC_FLAGS",
    "SYNC_NOTE",
    "TEXT_ANSWER_LIMIT",
    "Answer",
    "ChecklistRun",
    "CompletedRun",
    "RaisedFlag",
    "ReviewReadiness",
    "StartOutcome",
    "Step",
    "answer",
    "back",
    "cancel_run",
    "cancel_runs_of_closed_lead",
    "completed_between",
    "current_question",
    "flag_raised",
    "get_run",
    "lead_flags",
    "mark_closed_posted",
    "mark_posted",
    "mark_summary_posted",
    "open_runs",
    "parse_run_id",
    "pending_runs",
    "review_readiness",
    "run_for_thread",
    "runs_for_lead",
    "set_thread",
    "skip",
    "start_run",
    "summary_note",
    "sync_flags",
    "sync_lead",
    "validate_value",
]
