"""The leads register at scale: `/lead add` (with the duplicate check), `/lead search` and `/lead show`
`/lead list` through the same bot/sim path as a member, with 1k, 10k and 100k leads seeded.

    .venv/bin/python -m bench.bench_leads [--sizes 1000 10000 100000] [--runs 200]

Targets (issue 3): at 100k leads `/lead add` p99 <= 20 ms and no more than 3x its 1k figure;
`/lead search` p99 <= 10 ms; `/lead show` median within 3x of a no-op slash command on the same path.
`show` shows a different lead each time (the verdict uses it); `show_again` cycles through five leads,
which the register serves from memory until anything is written. `list` takes turns through no filter
and the usual filters. Each command is timed in turns with a no-op slash command on the same server
(the floor), so a busy machine weighs on both alike. `python -m bench` runs this with the others.
Prints a table and one JSON line.

``seed_leads(db, guild_id, n, now)`` is the bulk seeder other benchmarks and tests can call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench._timing import Timing, peak_rss_mb
from bot.db import Database
from bot.services.leads import seed
from bot.services.leads.names import Names
from bot.services.leads.seed import synthetic_name
from bot.sim import Sim

ADD_P99_MS = 20.0
ADD_GROWTH = 3.0
SEARCH_P99_MS = 10.0
SHOW_VS_NOOP = 3.0
#: What people search for: a partner word, common summary words, two words, other scripts, a prefix.
QUERIES = (
    "museum",
    "open access",
    "library training",
    "digitisation heritage",
    "archive",
    "Kaluvo",
    "संग्रहालय",
    "北京",
    "Музей",
    "wikidata",
    "volunt",
    "community outreach",
)


async def seed_leads(db: Database, guild_id: int, n: int, now: datetime, *, names: Names | None = None) -> range:
    """Bulk-insert ``n`` synthetic leads (names in several scripts, aliases, summaries, a created event
    each, full-text rows through the triggers) in one transaction, and build ``names`` (the bot's leads
    service's name index) at once. Returns the new leads' ids. See
    :func:`bot.services.leads.seed.bulk_insert_leads` for the options."""
    return await seed.bulk_insert_leads(db, guild_id, n, now, names=names)


def _lists() -> tuple[dict[str, Any], ...]:
    """What people list: everything, then the usual filters (one page of ten each time)."""
    return (
        {},
        {"status": "logged"},
        {"level": "global"},
        {"sector": "GLAM"},
        {"mine": True},
        {"direction": "internal"},
    )


Action = Callable[[int], Awaitable[object]]


async def _rounds(actions: dict[str, Action], runs: int, warmup: int = 5) -> dict[str, Timing]:
    """Time every action ``runs`` times, taking them in turn (one of each per round), so that whatever
    else the machine is doing weighs on each of them alike."""
    for i in range(warmup):
        for action in actions.values():
            await action(-1 - i)
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for i in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            await action(i)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: Timing(name, values) for name, values in samples.items()}


async def bench_size(size: int, runs: int, workdir: Path) -> dict[str, Any]:
    """Seed ``size`` leads into a fresh simulated server and time the commands there, each beside the
    no-op floor on the same server. Leaves the database in ``workdir / f"leads-{size}"``."""
    sim = await Sim.start(workdir / f"leads-{size}", extensions=["bench.noop"])
    try:
        started = time.perf_counter()
        await seed_leads(sim.db, sim.guild_id, size, sim.clock(), names=sim.bot.services.leads.names)
        seed_s = time.perf_counter() - started
        rng = random.Random(size)
        names = [f"{synthetic_name(rng)} {n}" for n in range(runs + 10)]
        lists = _lists()

        async def add(i: int) -> None:
            r = await sim.slash(
                "lead add", user="alice", partner=names[i], level="global", direction="external",
                summary="A partnership logged by the benchmark.",
            )  # fmt: skip
            assert r.ephemeral, r

        async def search(i: int) -> None:
            r = await sim.slash("lead search", user="alice", query=QUERIES[i % len(QUERIES)])
            assert r.ephemeral, r

        async def show(i: int) -> None:
            # A different lead each time: nothing is served from memory.
            r = await sim.slash("lead show", user="alice", lead=f"L-{1 + (abs(i) * 7919) % size}")
            assert r.ephemeral and r.reply is not None and r.reply.embeds, r

        async def show_again(i: int) -> None:
            # The same few leads, as when a group discusses them: served from memory.
            r = await sim.slash("lead show", user="alice", lead=f"L-{1 + abs(i) % 5}")
            assert r.ephemeral and r.reply is not None and r.reply.embeds, r

        async def list_(i: int) -> None:
            r = await sim.slash("lead list", user="alice", **lists[abs(i) % len(lists)])
            assert r.ephemeral and r.reply is not None and r.reply.embeds, r

        async def noop(_i: int) -> None:
            await sim.slash("noop", user="alice")

        # Reads first (nothing written between them, so show_again is served from memory), then adds.
        reads = await _rounds(
            {"noop": noop, "search": search, "show": show, "show_again": show_again, "list": list_}, runs
        )
        writes = await _rounds({"noop_w": noop, "add": add}, runs)
        timings = {**reads, "add": writes["add"]}
        timings["noop"] = Timing("noop", reads["noop"].samples_ms + writes["noop_w"].samples_ms)
    finally:
        await sim.close()
    result: dict[str, Any] = {"leads": size, "seed_s": round(seed_s, 2)}
    floor = timings["noop"].median
    for name, timing in timings.items():
        result[f"{name}_median_ms"] = round(timing.median, 3)
        result[f"{name}_p99_ms"] = round(timing.p99, 3)
        if name != "noop":
            result[f"{name}_vs_noop"] = round(timing.median / floor, 2) if floor else 0.0
    result["database"] = str(sim.settings.database)
    result["guild_id"] = sim.guild_id
    return result


def _verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    smallest, largest = rows[0], rows[-1]
    growth = largest["add_p99_ms"] / smallest["add_p99_ms"] if smallest["add_p99_ms"] else 0.0
    show_ratio = largest["show_median_ms"] / largest["noop_median_ms"] if largest["noop_median_ms"] else 0.0
    checks = {
        "add_p99_ok": largest["add_p99_ms"] <= ADD_P99_MS,
        "add_growth": round(growth, 2),
        "add_growth_ok": growth <= ADD_GROWTH,
        "search_p99_ok": largest["search_p99_ms"] <= SEARCH_P99_MS,
        "show_vs_noop": round(show_ratio, 2),
        "show_vs_noop_ok": show_ratio <= SHOW_VS_NOOP,
    }
    checks["ok"] = all(v for k, v in checks.items() if k.endswith("_ok"))
    return checks


async def bench_leads(sizes: tuple[int, ...] = (1_000, 10_000, 100_000), runs: int = 200) -> dict[str, Any]:
    """Every size in ``sizes`` (smallest first), then the verdict against the issue's targets."""
    with tempfile.TemporaryDirectory() as folder:
        rows = [await bench_size(size, runs, Path(folder)) for size in sorted(sizes)]
    for row in rows:
        row.pop("database")
        row.pop("guild_id")
    return {"bench": "leads", "runs": runs, "sizes": rows, **_verdict(rows), "peak_rss_mb": round(peak_rss_mb(), 1)}


def _table(result: dict[str, Any]) -> str:
    columns = ("leads", "seed_s", "add_median_ms", "add_p99_ms", "search_median_ms", "search_p99_ms",
               "show_median_ms", "show_again_median_ms", "list_median_ms", "list_p99_ms", "noop_median_ms")  # fmt: skip
    lines = ["  ".join(f"{c:>20}" for c in columns)]
    lines += ["  ".join(f"{row[c]:>20}" for c in columns) for row in result["sizes"]]
    lines += [f"{k}: {v}" for k, v in result.items() if k not in ("sizes", "bench")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(bench_leads(tuple(args.sizes), args.runs))
    print(_table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
