"""A checklist answer: button press (or select) to the next question posted, through bot/sim.

    .venv/bin/python -m bench.bench_checklists [--samples 200]

Starts the bot on the simulated server with the shipped partnership assessment, opens runs on fresh
leads and answers them the way members do. Each sample is one press on the current question's
button or select, timed from the INTERACTION_CREATE until the bot has finished with it: the answer
committed, the pressed message edited to show it, and the next question posted in the thread. Text
questions (a modal in two interactions) are answered untimed. The floor is a no-op slash command on
the same path. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench._timing import Timing, measure, peak_rss_mb
from bot.config import LeadsSettings
from bot.services import checklists, leads
from bot.services.leads.service import log_lead
from bot.sim import Sim

#: What to press for each shipped question (text questions go through the modal, untimed).
ANSWERS: dict[str, Any] = {
    "level_fit": "Yes",
    "direction": ["external"],
    "values_overlap": "4",
    "hard_lines": "No",
    "we_give": ("text", "Two editathons a year"),
    "we_get": ("text", "Archive access"),
    "worth_it": "4",
    "knowledge_equity": "Skip",
    "user_data": "No",
    "brand_risk": "2",
    "strategy_fit": ["yes"],
    "consulted": "Skip",
    "prior_partnerships": ["none"],
    "tier": ["collaborative"],
    "contact_authority": "Yes",
    "agreement": ["money", "deliverables"],
    "open_to_others": "Yes",
    "licensing": ["free"],
    "documentation": ["wiki"],
    "capacity": "3",
    "impact": ("text", "Articles improved"),
}


class _Runner:
    """Keeps one run going and starts the next when it completes."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.leads = 0
        self.thread: Any = None
        self.run: Any = None

    async def _start(self) -> None:
        self.leads += 1
        result = await log_lead(
            self.sim.db,
            self.sim.guild_id,
            leads.LeadDraft(partner=f"Bench partner {self.leads}", level="national", direction="external"),
            owner_id=self.sim.member("alice").id,
            now=self.sim.clock(),
            settings=LeadsSettings(),
            check_duplicates=False,
        )
        assert result.lead is not None
        await self.sim.slash("checklist start", user="alice", lead=result.lead.ref)
        self.thread = self.sim.thread(f"· {result.lead.ref} ·")

    async def _current(self) -> tuple[str, Any]:
        """The question being asked and its planned answer; text questions are answered on the way."""
        while True:
            if self.thread is None:
                await self._start()
            run = await checklists.run_for_thread(self.sim.db, self.sim.guild_id, self.thread.id)
            if run.current is None:
                self.thread = None
                continue
            action = ANSWERS[run.current.id]
            if not isinstance(action, tuple):
                return run.current.id, action
            opened = await self.sim.click(self.thread.last, "Answer", user="bob")
            await self.sim.submit(opened.modal, {"answer": action[1]}, user="bob")

    async def prepare(self) -> Any:
        _, action = await self._current()
        return action

    async def press(self, action: Any) -> None:
        message = self.thread.last
        if isinstance(action, list):
            result = await self.sim.select(message, action, user="bob")
        else:
            result = await self.sim.click(message, action, user="bob")
        assert result.updated is message, result.text


async def bench_checklist_answer(samples: int = 200) -> dict[str, Any]:
    """Time ``samples`` presses (button press to next question posted) and the no-op floor."""
    with tempfile.TemporaryDirectory() as folder:
        sim = await Sim.start(Path(folder), extensions=["bench.noop"])
        try:
            floor = await measure("noop", lambda _i: sim.slash("noop", user="alice"), runs=samples, warmup=10)
            runner = _Runner(sim)
            timed: list[float] = []
            for i in range(samples + 10):
                action = await runner.prepare()
                timing = await measure("press", lambda _i, a=action: runner.press(a), runs=1, warmup=0)
                if i >= 10:  # the first presses warm caches and the connection
                    timed.extend(timing.samples_ms)
            answers = await sim.db.fetchval("SELECT count(*) FROM checklist_answers")
            completed = await sim.db.fetchval("SELECT count(*) FROM checklist_runs WHERE status = 'completed'")
        finally:
            await sim.close()
    press = Timing("press", timed)
    return {
        "bench": "checklist_answer",
        "samples": len(timed),
        "runs_completed": completed,
        "answers_saved": answers,
        "median_ms": round(press.median, 2),
        "p99_ms": round(press.p99, 2),
        "max_ms": round(max(timed), 2),
        "floor_median_ms": round(floor.median, 2),
        "floor_p99_ms": round(floor.p99, 2),
        "ratio_to_floor": round(press.median / floor.median, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(bench_checklist_answer(args.samples))
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
