"""Feedback ingest through the full DM path: a member's DM, the preview, *Send anonymously*, the
stored item, all through bot/sim. Target (issue 6): at least 1,000 submissions a second.

Call ``await bench_feedback(workdir)`` from a runner, or run ``python -m bench.bench_feedback``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.db import open_database
from bot.services import feedback
from bot.sim import Sim

TARGET_PER_SECOND = 1000


async def _submit_by_dm(sim: Sim, member: str, text: str) -> None:
    [preview] = await sim.dm(member, text)
    sent = await sim.click(preview, "Send anonymously", user=member)
    if sent.updated is None or "`" not in sent.updated.content:
        raise RuntimeError(f"submission failed: {sent.text[:200]}")


async def _submit_by_modal(sim: Sim, member: str, text: str) -> None:
    opened = await sim.slash("feedback give", user=member, topic="general")
    if opened.modal is None:
        raise RuntimeError(f"no modal: {opened.text[:200]}")
    await sim.submit(opened.modal, {"text": text}, user=member)


async def _service_rate(root: Path, submissions: int) -> float:
    """Submissions a second through the service alone (cleaning, hashing, one transaction)."""
    db = await open_database(root / "bench-feedback-service.db")
    try:
        start = time.perf_counter()
        now = datetime.now(UTC)
        for i in range(submissions):
            await feedback.submit(db, 1, "general", f"note {i}", now=now, max_length=2000, min_batch=3)
        return submissions / (time.perf_counter() - start)
    finally:
        await db.close()


async def bench_feedback(
    workdir: Path | None = None, *, submissions: int = 1000, members: int = 50, warmup: int = 20
) -> dict[str, Any]:
    """Measure submissions per second through the DM path (and the /feedback give modal path).

    Each submission is one member DM (membership check, masking, preview), one *Send anonymously*
    click (limit check, one SQLite transaction with FULL sync, release when due) and the bot's reply.
    Also measures the /feedback give modal path and the service alone (``feedback.submit`` on a
    fresh database). Returns {"name", "submissions", "dm_seconds", "dm_per_second",
    "modal_per_second", "service_per_second", "target", "ok"}; "ok" compares the DM path with the
    target.
    """
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(workdir) if workdir is not None else Path(scratch)
        per_day = submissions * 2 + warmup * 2
        sim = await Sim.start(root / "bench-feedback", config={"feedback": {"per_day": per_day}})
        try:
            names = [sim.add_member(f"bench{i:03d}").name for i in range(members)]
            text = "The intake form is slow; write to me at someone@example.org or call 555-123-4567."
            for i in range(warmup):
                await _submit_by_dm(sim, names[i % members], text)
            start = time.perf_counter()
            for i in range(submissions):
                await _submit_by_dm(sim, names[i % members], f"{text} #{i}")
            dm_seconds = time.perf_counter() - start
            modal_runs = max(1, submissions // 4)
            start = time.perf_counter()
            for i in range(modal_runs):
                await _submit_by_modal(sim, names[i % members], f"{text} modal #{i}")
            modal_seconds = time.perf_counter() - start
            stored = int(await sim.db.fetchval("SELECT COUNT(*) FROM feedback_items"))
            if stored != warmup + submissions + modal_runs:
                raise RuntimeError(f"expected {warmup + submissions + modal_runs} items, found {stored}")
        finally:
            await sim.close()
        service_rate = await _service_rate(root, submissions)
    dm_rate = submissions / dm_seconds
    return {
        "name": "feedback_ingest_dm",
        "submissions": submissions,
        "dm_seconds": round(dm_seconds, 3),
        "dm_per_second": round(dm_rate, 1),
        "modal_per_second": round(modal_runs / modal_seconds, 1),
        "service_per_second": round(service_rate, 1),
        "target": TARGET_PER_SECOND,
        "ok": dm_rate >= TARGET_PER_SECOND,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--members", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(bench_feedback(submissions=args.submissions, members=args.members))
    header = f"{'benchmark':<22}{'submissions':>12}{'DM /s':>10}{'modal /s':>10}{'service /s':>12}{'target':>8}"
    print(header)
    print(
        f"{result['name']:<22}{result['submissions']:>12}{result['dm_per_second']:>10}"
        f"{result['modal_per_second']:>10}{result['service_per_second']:>12}{result['target']:>8}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
