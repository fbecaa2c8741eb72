"""The checklist run as a value: answers, flags, progress, and the rules an answer must meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.errors import Conflict, InvalidInput, NotFound
from bot.services import leads
from bot.services.questionnaires import SCALE, SEVERITIES, YESNO, Question, Questionnaire

TEXT_ANSWER_LIMIT = 1000
#: lead_sync stages of a completed run: the note, the flags, then the status change.
SYNC_NOTE, SYNC_FLAGS, SYNC_DONE = 1, 2, 3
FLAG_SOURCE = "checklist"


to_ts = to_unix


def from_ts(value: int | None) -> datetime | None:
    return None if value is None else from_unix(value)


@dataclass(frozen=True)
class Answer:
    question_id: str
    position: int
    #: "yes"/"no", 1-5, an option value, a list of option values, or text; None when skipped.
    value: Any
    skipped: bool
    answered_by: int
    answered_at: datetime


@dataclass(frozen=True)
class RaisedFlag:
    question_id: str
    severity: str
    #: In the questionnaire's own language; render with ``Localized.flag_message`` for others.
    message: str


@dataclass(frozen=True)
class ChecklistRun:
    id: int
    guild_id: int
    lead_id: int
    questionnaire: Questionnaire
    status: str
    position: int
    posted_position: int | None
    step: int
    thread_id: int | None
    question_message_id: int | None
    summary_message_id: int | None
    lead_sync: int
    closed_posted: bool
    started_by: int
    started_at: datetime
    completed_by: int | None
    completed_at: datetime | None
    cancelled_by: int | None
    cancelled_at: datetime | None
    answers: dict[str, Answer]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def total(self) -> int:
        return len(self.questionnaire.questions)

    @property
    def current(self) -> Question | None:
        """The question being asked (None once the run is no longer open)."""
        if not self.is_open or self.position >= self.total:
            return None
        return self.questionnaire.questions[self.position]

    @property
    def needs_post(self) -> bool:
        return self.is_open and self.thread_id is not None and self.posted_position != self.position

    @property
    def answered_count(self) -> int:
        return sum(1 for a in self.answers.values() if not a.skipped)

    @property
    def skipped_count(self) -> int:
        return sum(1 for a in self.answers.values() if a.skipped)

    @property
    def participants(self) -> tuple[int, ...]:
        """Who started the run, then who answered, in order of their first answer."""
        ordered = sorted(self.answers.values(), key=lambda a: (a.answered_at, a.position))
        return tuple(dict.fromkeys([self.started_by, *(a.answered_by for a in ordered)]))

    def flags(self) -> list[RaisedFlag]:
        """Flags the answers raise, most severe first, in question order within a severity."""
        raised = []
        for question in self.questionnaire.questions:
            answer = self.answers.get(question.id)
            if question.flag is not None and answer is not None and flag_raised(question, answer.value):
                raised.append(RaisedFlag(question.id, question.flag.severity, question.flag.message))
        return sorted(raised, key=lambda f: SEVERITIES.index(f.severity))


@dataclass(frozen=True)
class StartOutcome:
    run: ChecklistRun
    lead: leads.Lead
    created: bool
    #: The lead's move to ``assessing`` (dispatch it as ``lead_event``), if there was one.
    event: leads.LeadEvent | None


@dataclass(frozen=True)
class Step:
    """What one press did: the run after it, the question it was about, and what comes next."""

    run: ChecklistRun
    question: Question
    answer: Answer | None
    went_back: bool = False

    @property
    def completed(self) -> bool:
        return self.run.status == "completed"


@dataclass(frozen=True)
class CompletedRun:
    run_id: int
    lead_id: int
    partner: str
    questionnaire_title: str
    completed_at: datetime
    flags: list[tuple[str, str]]


def flag_raised(question: Question, value: Any) -> bool:
    if question.flag is None or value is None:
        return False
    when = {str(w) for w in question.flag.when}
    if isinstance(value, list):
        return any(str(v) in when for v in value)
    return str(value) in when


def parse_run_id(text: str) -> int:
    """``#12`` or ``12``; anything else is an unknown run."""
    value = str(text).strip().lstrip("#")
    if not value.isdigit():
        raise NotFound("checklist.unknown_run", run=text)
    return int(value)


def refuse_closed(run: ChecklistRun) -> None:
    if run.status == "cancelled":
        raise Conflict("checklist.run_cancelled", run=f"#{run.id}")
    if run.status == "completed":
        raise Conflict("checklist.run_completed", run=f"#{run.id}")


def current_question(run: ChecklistRun, question_id: str) -> tuple[int, Question]:
    """The question ``question_id`` if it is the one being asked; otherwise the refusal that fits."""
    refuse_closed(run)
    try:
        index = run.questionnaire.index_of(question_id)
    except KeyError:
        raise Conflict("checklist.already_answered") from None
    if index != run.position:
        raise Conflict("checklist.already_answered")
    return index, run.questionnaire.questions[index]


def validate_value(question: Question, raw: Any) -> Any:
    """The stored form of an answer to ``question``; InvalidInput when it does not fit."""
    values = raw if isinstance(raw, list | tuple) else [raw]
    if question.type == "text":
        text = str(raw if not isinstance(raw, list | tuple) else " ".join(map(str, raw))).strip()
        if not text:
            raise InvalidInput("checklist.text_empty")
        if len(text) > TEXT_ANSWER_LIMIT:
            raise InvalidInput("checklist.text_too_long", limit=TEXT_ANSWER_LIMIT, length=len(text))
        return text
    if question.type == "multi":
        chosen = list(dict.fromkeys(str(v) for v in values))
        if chosen and all(v in question.option_values() for v in chosen):
            return [v for v in question.option_values() if v in chosen]
        raise InvalidInput("checklist.bad_answer")
    if len(values) == 1:
        value = values[0]
        if question.type == "yesno" and value in YESNO:
            return value
        if question.type == "scale" and str(value).isdigit() and int(value) in SCALE:
            return int(value)
        if question.type == "choice" and str(value) in question.option_values():
            return str(value)
    raise InvalidInput("checklist.bad_answer")
