"""Feedback ingest through the full DM path: a member's DM, the preview, *Send anonymously*, the
stored item, all through bot/sim. Target (issue 6): at least 1,000 submissions a second.

The throughput is measured the way it arises, with members submitting at the same time: in bursts of
``members`` members, every one's DM arrives at once, then every one presses *Send anonymously* at once.
Each submission is stored with ``synchronous=FULL`` (one fsync per COMMIT) before the member is told
"saved"; writers that arrive while a commit is under way share the next one (group commit, bot/db),
so a burst costs a few fsyncs instead of one per member. One member after another, each waiting for
their own fsync, is measured too (``dm_one_at_a_time_per_second``): that is the latency a member feels.

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

from bench._timing import at_once
from bot.db import Database, open_database
from bot.services import feedback
from bot.sim import Sim, SimMessage

TARGET_PER_SECOND = 1000


def _store(sim: Sim) -> Database:
    """The feedback store: submissions are committed there (bot/db)."""
    assert sim.db.feedback is not None
    return sim.db.feedback


async def _submit_by_dm(sim: Sim, member: str, text: str) -> None:
    [preview] = await sim.dm(member, text)
    sent = await sim.click(preview, "Send anonymously", user=member)
    if sent.updated is None or "`" not in sent.updated.content:
        raise RuntimeError(f"submission failed: {sent.text[:200]}")


async def _submit_at_once(sim: Sim, members: list[str], texts: list[str]) -> int:
    """Every member's DM at once, then every member's *Send anonymously* at once; returns the commits
    the stores took."""
    commits = _store(sim).stats.commits
    seen = {name: len(sim.dm_channel(name).messages) for name in members}
    writes = zip(members, texts, strict=True)
    await at_once(sim, [lambda who=who, text=text: sim.dm(who, text) for who, text in writes])
    previews: list[SimMessage] = []
    for name in members:
        found = [m for m in sim.dm_channel(name).messages[seen[name] :] if m.button("Send anonymously") is not None]
        if len(found) != 1:
            raise RuntimeError(f"{name} got {len(found)} previews")
        previews.append(found[0])
    pairs = zip(previews, members, strict=True)
    await at_once(sim, [lambda p=p, who=who: sim.click(p, "Send anonymously", user=who) for p, who in pairs])
    for preview in previews:
        if "`" not in preview.content:  # the retraction code, shown in place of the preview
            raise RuntimeError(f"submission failed: {preview.text[:200]}")
    return _store(sim).stats.commits - commits


async def _started(workdir: Path, submissions: int, members: int, warmup: int, text: str) -> tuple[Sim, list[str]]:
    """A bot with ``members`` more members, warmed up by ``warmup`` submissions."""
    sim = await Sim.start(workdir, config={"feedback": {"per_day": submissions * 2 + warmup * 2}})
    names = [sim.add_member(f"bench{i:03d}").name for i in range(members)]
    for i in range(warmup):
        await _submit_by_dm(sim, names[i % members], text)
    return sim, names


async def _check_stored(sim: Sim, expected: int) -> None:
    stored = int(await _store(sim).fetchval("SELECT COUNT(*) FROM feedback_items"))
    if stored != expected:
        raise RuntimeError(f"expected {expected} items, found {stored}")


async def _submit_by_modal(sim: Sim, member: str, text: str) -> None:
    opened = await sim.slash("feedback give", user=member, topic="general")
    if opened.modal is None:
        raise RuntimeError(f"no modal: {opened.text[:200]}")
    await sim.submit(opened.modal, {"text": text}, user=member)


async def _service_rate(root: Path, submissions: int, at_once: int = 1) -> float:
    """Submissions a second through the service alone (cleaning, hashing, one transaction each), ``at_once``
    of them at a time: what storage could take if nothing else cost anything."""
    db = await open_database(root / f"bench-feedback-service-{at_once}.db")
    try:
        start = time.perf_counter()
        now = datetime.now(UTC)

        async def one(i: int) -> None:
            await feedback.submit(db, 1, "general", f"note {i}", now=now, max_length=2000)

        for first in range(0, submissions, at_once):
            await asyncio.gather(*(one(i) for i in range(first, min(submissions, first + at_once))))
        return submissions / (time.perf_counter() - start)
    finally:
        await db.close()


async def bench_feedback(
    workdir: Path | None = None, *, submissions: int = 1000, members: int = 50, warmup: int = 20
) -> dict[str, Any]:
    """Measure submissions per second through the DM path (and the /feedback give modal path).

    Each submission is one member DM (membership check, masking, preview), one *Send anonymously*
    click (limit check, one transaction with FULL sync in the feedback store; never a release, which only a
    scheduled digest makes) and the bot's reply.
    ``submissions`` are made in bursts of ``members`` members at once (``dm_per_second``), then, on a
    second bot, one after another (``dm_one_at_a_time_per_second``). Also measures the /feedback give modal path
    and the service alone (``feedback.submit`` on a fresh database, one at a time and ``members`` at
    once). Returns {"name", "submissions",
    "members_at_once", "dm_seconds", "dm_per_second", "dm_submissions_per_commit",
    "dm_one_at_a_time_per_second", "modal_per_second", "service_per_second",
    "service_at_once_per_second", "target", "ok"}; "ok"
    compares the DM path with the target.
    """
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(workdir) if workdir is not None else Path(scratch)
        text = "The intake form is slow; write to me at someone@example.org or call 555-123-4567."
        # Each way on a bot of its own: every preview leaves a view (and its timeout task) behind, and
        # bot/sim's bookkeeping grows with the tasks alive, so the second run would pay for the first.
        sim, names = await _started(root / "bench-feedback-at-once", submissions, members, warmup, text)
        try:
            commits = 0
            start = time.perf_counter()
            for first in range(0, submissions, members):
                burst = names[: min(members, submissions - first)]
                commits += await _submit_at_once(sim, burst, [f"{text} #{first + n}" for n in range(len(burst))])
            dm_seconds = time.perf_counter() - start
            await _check_stored(sim, warmup + submissions)
        finally:
            await sim.close()
        sim, names = await _started(root / "bench-feedback-one-by-one", submissions, members, warmup, text)
        try:
            start = time.perf_counter()
            for i in range(submissions):
                await _submit_by_dm(sim, names[i % members], f"{text} one at a time #{i}")
            one_seconds = time.perf_counter() - start
            modal_runs = max(1, submissions // 4)
            start = time.perf_counter()
            for i in range(modal_runs):
                await _submit_by_modal(sim, names[i % members], f"{text} modal #{i}")
            modal_seconds = time.perf_counter() - start
            await _check_stored(sim, warmup + submissions + modal_runs)
        finally:
            await sim.close()
        service_rate = await _service_rate(root, submissions)
        service_at_once = await _service_rate(root, submissions, at_once=members)
    dm_rate = submissions / dm_seconds
    return {
        "name": "feedback_ingest_dm",
        "submissions": submissions,
        "members_at_once": members,
        "dm_seconds": round(dm_seconds, 3),
        "dm_per_second": round(dm_rate, 1),
        "dm_submissions_per_commit": round(submissions / max(1, commits), 1),
        "dm_one_at_a_time_per_second": round(submissions / one_seconds, 1),
        "modal_per_second": round(modal_runs / modal_seconds, 1),
        "service_per_second": round(service_rate, 1),
        "service_at_once_per_second": round(service_at_once, 1),
        "target": TARGET_PER_SECOND,
        "ok": dm_rate >= TARGET_PER_SECOND,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--members", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(bench_feedback(submissions=args.submissions, members=args.members))
    header = (
        f"{'benchmark':<22}{'submissions':>12}{'DM /s':>10}{'per commit':>11}{'one by one /s':>14}"
        f"{'modal /s':>10}{'service /s':>12}{'target':>8}"
    )
    print(header)
    print(
        f"{result['name']:<22}{result['submissions']:>12}{result['dm_per_second']:>10}"
        f"{result['dm_submissions_per_commit']:>11}{result['dm_one_at_a_time_per_second']:>14}"
        f"{result['modal_per_second']:>10}{result['service_per_second']:>12}{result['target']:>8}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
