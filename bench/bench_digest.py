"""Digest build time for a busy period: 10,000 lead events in one week.

    .venv/bin/python -m bench.bench_digest [--events 10000] [--runs 15]

Seeds a fresh database (3,000 synthetic leads through the leads service's bulk seeder, then the
period's events: status moves with vetoes and rationales, notes, flags; open reviews; posted updates)
and times what a digest pass does before it records the run: ``collect`` (every feature's feed),
``render`` (plain entries) and ``build_parts`` (embeds packed into messages). Target: <= 250 ms.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._timing import measure, peak_rss_mb
from bot.cogs.digest._views import build_parts
from bot.db import Database, open_database
from bot.services import digest
from bot.services.leads.seed import bulk_insert_leads

GUILD = 1
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
END = START + timedelta(days=7)
TARGET_MS = 250.0
STATUSES = ("logged", "assessing", "in_review", "approved", "negotiating", "active", "paused", "declined")


async def seed(
    db: Database,
    events: int,
    *,
    leads_count: int = 3000,
    seed: int = 7,
    guild_id: int = GUILD,
    period: tuple[datetime, datetime] = (START, END),
    lead_ids: list[int] | None = None,
) -> dict[str, int]:
    """Fill ``db`` with a busy ``period`` (a week by default) for ``guild_id``; returns how many of each
    thing the period holds. The events land on ``lead_ids`` when given, else on ``leads_count`` new leads."""
    rng = random.Random(seed)
    begin, finish = period
    if lead_ids is None:
        lead_ids = list(await bulk_insert_leads(db, guild_id, leads_count, finish, seed=seed))
    ids = lead_ids
    start, span = int(begin.timestamp()), max(1, int((finish - begin).total_seconds()))
    rows: list[tuple[Any, ...]] = []
    for _ in range(events):
        lead_id = rng.choice(ids)
        at = start + rng.randrange(span)
        roll = rng.random()
        if roll < 0.05:
            rationale = "Conflicts with our values: " + " ".join(rng.choices(("data", "brand", "ads", "lock-in"), k=8))
            rows.append((guild_id, lead_id, 2001, "status", "in_review", "vetoed", rationale, at))
        elif roll < 0.75:
            src, dst = rng.sample(STATUSES, 2)
            rows.append((guild_id, lead_id, rng.choice((1001, 1002, None)), "status", src, dst, None, at))
        else:
            rows.append((guild_id, lead_id, 1001, "note", None, None, "Called the partner again.", at))
    await db.executemany(
        "INSERT INTO lead_events (guild_id, lead_id, actor_id, kind, from_status, to_status, note, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    reviewed = rng.sample(ids, min(150, len(ids)))
    await db.executemany("UPDATE leads SET status = 'in_review' WHERE id = ?", [(i,) for i in reviewed])
    await db.executemany(
        "INSERT INTO lead_reviews (guild_id, lead_id, quorum, opened_at, closes_at) VALUES (?, ?, 2, ?, ?)",
        [(guild_id, i, start, start + 72 * 3600) for i in reviewed],
    )
    await db.executemany(
        "INSERT INTO updates (guild_id, area, title, body, author_id, created_at, channel_id, message_id, "
        "posted_at) VALUES (?, 'legal', ?, 'body', 1001, ?, 10, ?, ?)",
        [(guild_id, f"Update {n}", start + n * 600, 5000 + n, start + n * 600) for n in range(300)],
    )
    return {
        "events": events,
        "moves": sum(1 for r in rows if r[3] == "status"),
        "vetoes": sum(1 for r in rows if r[5] == "vetoed"),
        "open_reviews": len(reviewed),
        "updates": 300,
    }


async def build(db: Database) -> list[dict[str, Any]]:
    """One digest build, as the digest cog does it before recording the run."""
    content = await digest.collect(db, GUILD, START, END, now=END, stale_days=30)
    rendered = digest.render(content, "en", guild_id=GUILD)
    return build_parts(rendered, "en")


async def bench_digest_build(events: int = 10_000, runs: int = 15, *, leads_count: int = 3000) -> dict[str, Any]:
    """Seed ``events`` events (on ``leads_count`` leads, at least 150) into a fresh database and time
    the digest build ``runs`` times."""
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.db")
        try:
            counts = await seed(db, events, leads_count=leads_count)
            parts = await build(db)
            timing = await measure("digest build", lambda _i: build(db), runs=runs, warmup=2)
        finally:
            await db.close()
    return {
        "bench": "digest_build",
        **counts,
        "parts": len(parts),
        "embeds": sum(len(p["embeds"]) for p in parts),
        "median_ms": round(timing.median, 1),
        "p99_ms": round(timing.p99, 1),
        "max_ms": round(max(timing.samples_ms), 1),
        "target_ms": TARGET_MS,
        "ok": max(timing.samples_ms) <= TARGET_MS,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    result = asyncio.run(bench_digest_build(args.events, args.runs))
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
