"""How long the bot leaves every member waiting while it does something big, on a large register.

    .venv/bin/python -m bench.bench_stalls [--leads 100000] [--events 10000]

While one member asks for something heavy, everyone else's commands wait for the event loop. This
measures the longest event-loop stall (see :class:`bench._timing.LoopStalls`) during:

* a cold start on the register until the dedup name index is warm: a new bot on the database, then
  at once a `/lead add` (whose duplicate check builds the index, as the start-up warm-up does) and a
  `/lead show`; measured from the moment the bot is ready, since no member can reach it before. The
  show's first answer, counted from the start, is ``cold_start_first_answer_ms``;
* `/lead export` as csv and as json of the whole register;
* `/digest preview` over a period holding ``events`` lead events (the digest build: collect, render,
  pack into messages).

Target: no stall over 50 ms. Prints a table and one JSON line. ``python -m bench`` runs this on the
register its leads benchmark seeded at the largest size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench._timing import FirstResponses, LoopStalls, guild_id_for_next_server
from bench.bench_digest import seed as seed_digest
from bench.bench_leads import seed_leads
from bot.services import digest
from bot.sim import Sim
from bot.sim.models import InteractionResult

STALL_MS = 50.0
EXPORT_FORMATS = ("csv", "json")


def _answered(result: InteractionResult, what: str) -> InteractionResult:
    if result.response_type is None or not result.text:
        raise RuntimeError(f"{what} was not answered: {result!r}")
    return result


async def cold_start(workdir: Path, database: Path, guild_id: int, leads: int) -> dict[str, Any]:
    """A bot started on ``database`` (seeded for ``guild_id``), then a `/lead add` and a `/lead show` at once.

    The stall is measured from the moment the bot is ready (no member can reach it before) until the
    dedup index is warm; the show's first answer is counted from the start."""
    loop = asyncio.get_running_loop()
    add_options = {
        "partner": "Cold Start Partner Museum",
        "level": "local",
        "direction": "external",
        "summary": "Logged right after a restart.",
    }
    with guild_id_for_next_server(guild_id), FirstResponses() as firsts:
        began = loop.time()
        sim = await Sim.start(workdir, database=database)
        ready = loop.time()
        try:
            assert sim.guild_id == guild_id, "the database holds no leads of this server"
            with LoopStalls() as stalls:
                add, show = await asyncio.gather(
                    firsts.deliver(0, lambda: sim.slash("lead add", user="alice", **add_options)),
                    firsts.deliver(1, lambda: sim.slash("lead show", user="alice", lead=f"L-{1 + leads // 2}")),
                )
            warm = loop.time()
            _answered(add, "/lead add after a cold start")
            _answered(show, "/lead show after a cold start")
        finally:
            await sim.close()
    if 1 not in firsts.answered:
        raise RuntimeError("the first /lead show was never answered")
    return {
        "ready_ms": round((ready - began) * 1000, 1),
        "first_answer_ms": round((firsts.answered[1] - began) * 1000, 1),
        "index_warm_ms": round((warm - began) * 1000, 1),
        "stall_ms": stalls.worst_ms,
    }


async def heavy_commands(workdir: Path, database: Path, guild_id: int, events: int) -> dict[str, Any]:
    """`/lead export` in each format, then `/digest preview` over ``events`` events, each under the meter."""
    loop = asyncio.get_running_loop()
    result: dict[str, Any] = {}
    with guild_id_for_next_server(guild_id):
        sim = await Sim.start(workdir, database=database)
    try:
        for fmt in EXPORT_FORMATS:
            with LoopStalls() as stalls:
                began = loop.time()
                exported = _answered(await sim.slash("lead export", user="alice", format=fmt), f"/lead export {fmt}")
                took = loop.time() - began
            result[f"export_{fmt}_stall_ms"] = stalls.worst_ms
            result[f"export_{fmt}_ms"] = round(took * 1000, 1)
            result[f"export_{fmt}_file"] = any(m.attachments for m in exported.messages)
        # The period the preview covers, filled with a busy week's worth of events on existing leads.
        cfg = sim.settings.digest
        plan = await digest.manual_plan(
            sim.db, guild_id, expression=cfg.schedule, timezone=cfg.timezone, now=sim.clock()
        )
        assert plan.deliver is not None
        ids = [int(r[0]) for r in await sim.db.fetchall("SELECT id FROM leads WHERE guild_id = ?", (guild_id,))]
        await seed_digest(
            sim.db, events, guild_id=guild_id, period=(plan.deliver.start, plan.deliver.end), lead_ids=ids
        )
        with LoopStalls() as stalls:
            began = loop.time()
            _answered(await sim.slash("digest preview", user="alice"), "/digest preview")
            took = loop.time() - began
        result["digest_stall_ms"] = stalls.worst_ms
        result["digest_preview_ms"] = round(took * 1000, 1)
    finally:
        await sim.close()
    return result


async def bench_stalls(database: Path, guild_id: int, leads: int, events: int, workdir: Path) -> dict[str, Any]:
    """Every measurement above on ``database`` (``leads`` leads of ``guild_id``); adds ``events`` events."""
    started = await cold_start(workdir / "cold", database, guild_id, leads)
    heavy = await heavy_commands(workdir / "heavy", database, guild_id, events)
    return {"leads": leads, "events": events, "cold_start": started, **heavy, "target_ms": STALL_MS}


async def _seeded(workdir: Path, leads: int) -> tuple[Path, int]:
    sim = await Sim.start(workdir / "seed")
    try:
        await seed_leads(sim.db, sim.guild_id, leads, sim.clock(), names=sim.bot.services.leads.names)
        return sim.settings.database, sim.guild_id
    finally:
        await sim.close()


async def main_async(leads: int, events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="partnerbot-stalls-") as folder:
        root = Path(folder)
        database, guild_id = await _seeded(root, leads)
        return await bench_stalls(database, guild_id, leads, events, root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    result = asyncio.run(main_async(args.leads, args.events))
    cold = result["cold_start"]
    print(f"{'what':<40}{'longest stall ms':>18}{'took ms':>10}")
    print(f"{'cold start until the index is warm':<40}{cold['stall_ms']:>18}{cold['index_warm_ms']:>10}")
    print(f"{'  first /lead show answered after':<40}{'':>18}{cold['first_answer_ms']:>10}")
    for fmt in EXPORT_FORMATS:
        print(f"{f'/lead export {fmt}':<40}{result[f'export_{fmt}_stall_ms']:>18}{result[f'export_{fmt}_ms']:>10}")
    digest_row = f"/digest preview, {args.events:,} events"
    print(f"{digest_row:<40}{result['digest_stall_ms']:>18}{result['digest_preview_ms']:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
