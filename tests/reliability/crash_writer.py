"""Child process for the crash-durability test: writes leads, checklist answers and feedback in a loop
through the real services, printing one line after each commit. The parent kills it with SIGKILL.

With a third argument N, it instead submits feedback N at a time (group-committed, bot/db), printing
each item as soon as its own ``await`` returns."""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import FeedbackSettings, LeadsSettings
from bot.db import open_database
from bot.services import checklists, feedback, leads
from bot.services.access import Access
from bot.services.leads.service import LeadsService, log_lead
from bot.services.questionnaires import Question, load_questionnaires

REPO = Path(__file__).resolve().parents[2]
GUILD = 77


def _value(question: Question) -> object:
    if question.type == "yesno":
        return "yes"
    if question.type == "scale":
        return 3
    if question.type in ("choice", "multi"):
        value = question.option_values()[0]
        return [value] if question.type == "multi" else value
    return "An answer written before the crash."


async def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    db = await open_database(path)
    questionnaire = load_questionnaires(REPO / "data" / "questionnaires")["partnership-assessment"]
    lead_settings, fb = LeadsSettings(), FeedbackSettings()
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    lead_service = LeadsService(db, GUILD, lead_settings, lambda: now)
    n = 0
    while True:
        n += 1
        now += timedelta(seconds=1)
        draft = leads.LeadDraft(
            partner=f"Crash partner {seed}-{n} {rng.random():.6f}", level="local", direction="external"
        )
        added = await log_lead(db, GUILD, draft, owner_id=5, now=now, settings=lead_settings, check_duplicates=False)
        assert added.lead is not None
        print(f"lead {added.lead.id}", flush=True)
        started = await checklists.start_run(
            db, GUILD, added.lead.id, questionnaire, leads=lead_service, actor_id=5, actor_access=Access.WORKING_GROUP,
            now=now,
        )  # fmt: skip
        question = questionnaire.questions[0]
        await checklists.answer(db, GUILD, started.run.id, question.id, _value(question), actor_id=5, now=now)
        print(f"answer {started.run.id} {question.id}", flush=True)
        item = await feedback.submit(
            db,
            GUILD,
            "general",
            f"Crash feedback {seed}-{n}",
            now=now,
            max_length=fb.max_length,
        )
        print(f"feedback {item.item_id}", flush=True)


async def at_once(path: str, seed: int, writers: int) -> None:
    db = await open_database(path)
    fb = FeedbackSettings()
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)

    async def one(n: int, k: int) -> None:
        item = await feedback.submit(
            db, GUILD, "general", f"Concurrent crash feedback {seed}-{n}-{k}", now=now,
            max_length=fb.max_length,
        )  # fmt: skip
        print(f"feedback {item.item_id}", flush=True)

    n = 0
    while True:
        n += 1
        await asyncio.gather(*(one(n, k) for k in range(writers)))


if __name__ == "__main__":
    if len(sys.argv) > 3:
        asyncio.run(at_once(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    else:
        asyncio.run(main(sys.argv[1], int(sys.argv[2])))
