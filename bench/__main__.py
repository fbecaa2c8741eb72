"""Every benchmark, end to end through bot/sim (an interaction in, the bot's response captured).

    .venv/bin/python -m bench            # the full run (under ten minutes on two cores)
    .venv/bin/python -m bench --quick    # a smoke run with small sizes (well under a minute)

Runs, in this order: the floor (a no-op slash command through the same path, see bench/noop.py);
a checklist answer (button press to next question posted); feedback ingest through the DM path
(members submitting at once, and one after another); the digest build for a busy week; `/lead add`
(with the duplicate check), `/lead search`, `/lead show` and `/lead list` at 1k, 10k and 100k leads;
peak memory at the largest size; start to ready (the simulated server, the database opened and
migrated, every cog loaded, commands synced, READY) on an empty database and on the one holding the
largest number of leads; on that register, the longest event-loop stall (everyone else's wait) during
a cold start until the dedup index is warm, a `/lead export` (csv, json) and a digest build, and how
soon after a cold start the first `/lead show` is answered (bench/bench_stalls.py); finally 500
interactions across every command arriving at once, each answered, timed to its first response
(bench/bench_burst.py).

Prints a table, the issue's targets met or missed, and one JSON line:
``{"bench": "all", "quick": ..., "wall_s": ..., "figures": {...}, "targets": {...}, "ok": ...}``.
Every figure is in ``figures`` (milliseconds unless the name says otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench._timing import Timing, guild_id_for_next_server, measure, peak_rss_mb
from bench.bench_burst import P99_MS as BURST_P99_MS
from bench.bench_burst import bench_burst
from bench.bench_checklists import bench_checklist_answer
from bench.bench_digest import TARGET_MS as DIGEST_MS
from bench.bench_digest import bench_digest_build
from bench.bench_feedback import TARGET_PER_SECOND as FEEDBACK_PER_SECOND
from bench.bench_feedback import bench_feedback
from bench.bench_leads import ADD_GROWTH, ADD_P99_MS, SEARCH_P99_MS, SHOW_VS_NOOP, bench_size
from bench.bench_stalls import STALL_MS, bench_stalls
from bench.rss import measure_in_child
from bot.sim import Sim

LEAD_COMMANDS = ("add", "search", "show", "show_again", "list")
RSS_MB = 150.0
READY_MS = 1500.0
#: A member who runs /lead show right after a restart: answered within the time start-to-ready may take.
COLD_FIRST_ANSWER_MS = READY_MS


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    runs: int = 200  # per lead command and size
    floor_runs: int = 500
    checklist_samples: int = 200
    feedback_submissions: int = 1000
    feedback_warmup: int = 20
    digest_events: int = 10_000
    digest_leads: int = 3000
    digest_runs: int = 15
    starts: int = 5
    burst_interactions: int = 500
    burst_leads: int = 10_000


FULL = Plan()
QUICK = Plan(
    sizes=(500, 2_000, 5_000),
    runs=30,
    floor_runs=100,
    checklist_samples=30,
    feedback_submissions=200,
    digest_events=2_000,
    digest_leads=500,
    digest_runs=3,
    starts=2,
    burst_leads=2_000,
)


def _ms(value: float) -> float:
    return round(value, 3)


async def _floor(root: Path, runs: int) -> Timing:
    sim = await Sim.start(root / "floor", extensions=["bench.noop"])
    try:
        return await measure("noop", lambda _i: sim.slash("noop", user="alice"), runs=runs, warmup=20)
    finally:
        await sim.close()


async def _start_to_ready(
    root: Path, starts: int, database: Path | None = None, guild_id: int | None = None
) -> list[float]:
    """Milliseconds from nothing to a ready bot with every cog, ``starts`` times (each a new server and a
    new bot; on ``database``, seeded for ``guild_id``, if given, else on a new empty database each time)."""
    samples = []
    for n in range(starts):
        workdir = root / f"start-{n}-{'db' if database else 'empty'}"
        same = guild_id_for_next_server(guild_id) if guild_id is not None else nullcontext()
        with same:
            began = time.perf_counter()
            sim = await Sim.start(workdir, database=database)
            samples.append((time.perf_counter() - began) * 1000)
        if guild_id is not None:
            assert sim.guild_id == guild_id
        await sim.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return samples


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run(plan: Plan = FULL, *, quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run every benchmark under ``plan``; returns the result the JSON line shows."""
    say = _say if progress else (lambda _m: None)
    began = time.perf_counter()
    figures: dict[str, Any] = {}
    sections: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as scratch:
        root = Path(scratch)

        mark = time.perf_counter()
        say("floor: a no-op slash command ...")
        floor = await _floor(root, plan.floor_runs)
        figures["floor_median_ms"] = _ms(floor.median)
        figures["floor_p99_ms"] = _ms(floor.p99)
        sections["floor"] = time.perf_counter() - mark

        mark = time.perf_counter()
        say("checklist answer ...")
        checklist = await bench_checklist_answer(plan.checklist_samples)
        figures["checklist_answer_median_ms"] = checklist["median_ms"]
        figures["checklist_answer_p99_ms"] = checklist["p99_ms"]
        figures["checklist_floor_median_ms"] = checklist["floor_median_ms"]
        figures["checklist_answer_vs_floor"] = checklist["ratio_to_floor"]
        sections["checklist"] = time.perf_counter() - mark

        mark = time.perf_counter()
        say("feedback ingest ...")
        ingest = await bench_feedback(
            root / "feedback", submissions=plan.feedback_submissions, warmup=plan.feedback_warmup
        )
        figures["feedback_dm_per_s"] = ingest["dm_per_second"]
        figures["feedback_dm_ms_per_submission"] = _ms(1000 / ingest["dm_per_second"])
        figures["feedback_dm_submissions_per_commit"] = ingest["dm_submissions_per_commit"]
        figures["feedback_dm_one_at_a_time_per_s"] = ingest["dm_one_at_a_time_per_second"]
        figures["feedback_modal_per_s"] = ingest["modal_per_second"]
        figures["feedback_service_per_s"] = ingest["service_per_second"]
        figures["feedback_service_at_once_per_s"] = ingest["service_at_once_per_second"]
        sections["feedback"] = time.perf_counter() - mark

        mark = time.perf_counter()
        say("digest build ...")
        digest = await bench_digest_build(plan.digest_events, plan.digest_runs, leads_count=plan.digest_leads)
        figures["digest_events"] = digest["events"]
        figures["digest_median_ms"] = digest["median_ms"]
        figures["digest_p99_ms"] = digest["p99_ms"]
        figures["digest_max_ms"] = digest["max_ms"]
        sections["digest"] = time.perf_counter() - mark

        rows = []
        for size in sorted(plan.sizes):
            mark = time.perf_counter()
            say(f"leads at {size:,} ...")
            row = await bench_size(size, plan.runs, root)
            rows.append(row)
            figures[f"leads_{size}_seed_s"] = row["seed_s"]
            figures[f"leads_{size}_floor_median_ms"] = row["noop_median_ms"]
            figures[f"leads_{size}_floor_p99_ms"] = row["noop_p99_ms"]
            for command in LEAD_COMMANDS:
                figures[f"lead_{command}_{size}_median_ms"] = row[f"{command}_median_ms"]
                figures[f"lead_{command}_{size}_p99_ms"] = row[f"{command}_p99_ms"]
                figures[f"lead_{command}_{size}_vs_floor"] = row[f"{command}_vs_noop"]
            sections[f"leads_{size}"] = time.perf_counter() - mark
        largest, smallest = rows[-1], rows[0]
        big, small = largest["leads"], smallest["leads"]
        for command in LEAD_COMMANDS:
            for stat in ("median", "p99"):
                low = smallest[f"{command}_{stat}_ms"]
                figures[f"lead_{command}_{stat}_{big}_over_{small}"] = (
                    round(largest[f"{command}_{stat}_ms"] / low, 2) if low else 0.0
                )
        figures["bench_process_peak_rss_mb"] = round(peak_rss_mb(), 1)
        say(f"memory of a bot on {big:,} leads, in a process of its own ...")
        memory = await measure_in_child(Path(largest["database"]), largest["guild_id"])
        figures[f"peak_rss_mb_at_{big}"] = memory["peak_rss_mb"]
        figures[f"end_rss_mb_at_{big}"] = memory["end_rss_mb"]
        figures[f"start_ready_fresh_process_{big}_ms"] = memory["first_start_ready_ms"]

        mark = time.perf_counter()
        say("start to ready ...")
        empty = await _start_to_ready(root, plan.starts)
        loaded = await _start_to_ready(root, plan.starts, Path(largest["database"]), largest["guild_id"])
        figures["start_ready_empty_median_ms"] = _ms(statistics.median(empty))
        figures["start_ready_empty_max_ms"] = _ms(max(empty))
        figures[f"start_ready_{big}_median_ms"] = _ms(statistics.median(loaded))
        figures[f"start_ready_{big}_max_ms"] = _ms(max(loaded))
        sections["start"] = time.perf_counter() - mark

        mark = time.perf_counter()
        say(f"event-loop stalls on {big:,} leads: cold start, /lead export, digest build ...")
        stalls = await bench_stalls(
            Path(largest["database"]), largest["guild_id"], big, plan.digest_events, root / "stalls"
        )
        cold = stalls["cold_start"]
        figures[f"loop_stall_max_ms_cold_start_warmup_at_{big}"] = cold["stall_ms"]
        figures[f"cold_start_first_answer_ms_at_{big}"] = cold["first_answer_ms"]
        figures[f"cold_start_index_warm_ms_at_{big}"] = cold["index_warm_ms"]
        for fmt in ("csv", "json"):
            figures[f"loop_stall_max_ms_lead_export_{fmt}_at_{big}"] = stalls[f"export_{fmt}_stall_ms"]
            figures[f"lead_export_{fmt}_at_{big}_ms"] = stalls[f"export_{fmt}_ms"]
        figures[f"loop_stall_max_ms_digest_build_at_{big}"] = stalls["digest_stall_ms"]
        figures[f"digest_preview_at_{big}_ms"] = stalls["digest_preview_ms"]
        sections["stalls"] = time.perf_counter() - mark

        mark = time.perf_counter()
        n = plan.burst_interactions
        say(f"{n} interactions at once ...")
        burst = await bench_burst(root / "burst", interactions=n, leads=plan.burst_leads)
        figures[f"interactions_{n}_answered"] = burst["answered"]
        figures[f"interactions_{n}_median_first_response_ms"] = burst["median_ms"]
        figures[f"interactions_{n}_p99_first_response_ms"] = burst["p99_ms"]
        figures[f"interactions_{n}_max_first_response_ms"] = burst["max_ms"]
        figures[f"interactions_{n}_all_done_ms"] = burst["all_done_ms"]
        sections["burst"] = time.perf_counter() - mark

    targets = _targets(figures, big, small, plan.burst_interactions)
    return {
        "bench": "all",
        "quick": quick,
        "wall_s": round(time.perf_counter() - began, 1),
        "sections_s": {k: round(v, 1) for k, v in sections.items()},
        "plan": asdict(plan),
        "figures": figures,
        "targets": targets,
        "ok": all(t["met"] for t in targets.values()),
    }


def _target(value: float, limit: float, *, at_least: bool = False) -> dict[str, Any]:
    met = value >= limit if at_least else value <= limit
    return {"value": value, "limit": limit, "kind": ">=" if at_least else "<=", "met": met}


def _targets(figures: dict[str, Any], big: int, small: int, burst: int) -> dict[str, dict[str, Any]]:
    """The issue's targets, each with the figure it is judged on."""
    stalls = {
        name: _target(figures[name], STALL_MS)
        for name in (
            f"loop_stall_max_ms_lead_export_csv_at_{big}",
            f"loop_stall_max_ms_lead_export_json_at_{big}",
            f"loop_stall_max_ms_digest_build_at_{big}",
            f"loop_stall_max_ms_cold_start_warmup_at_{big}",
        )
    }
    return {
        f"lead_add_p99_at_{big}_ms": _target(figures[f"lead_add_{big}_p99_ms"], ADD_P99_MS),
        f"lead_add_p99_{big}_over_{small}": _target(figures[f"lead_add_p99_{big}_over_{small}"], ADD_GROWTH),
        f"lead_search_p99_at_{big}_ms": _target(figures[f"lead_search_{big}_p99_ms"], SEARCH_P99_MS),
        f"lead_show_median_at_{big}_vs_floor": _target(figures[f"lead_show_{big}_vs_floor"], SHOW_VS_NOOP),
        "digest_p99_ms": _target(figures["digest_p99_ms"], DIGEST_MS),
        "feedback_dm_per_s": _target(figures["feedback_dm_per_s"], FEEDBACK_PER_SECOND, at_least=True),
        f"peak_rss_mb_at_{big}": _target(figures[f"peak_rss_mb_at_{big}"], RSS_MB),
        "start_ready_empty_median_ms": _target(figures["start_ready_empty_median_ms"], READY_MS),
        f"start_ready_{big}_median_ms": _target(figures[f"start_ready_{big}_median_ms"], READY_MS),
        **stalls,
        f"interactions_{burst}_answered": _target(figures[f"interactions_{burst}_answered"], burst, at_least=True),
        f"interactions_{burst}_p99_first_response_ms": _target(
            figures[f"interactions_{burst}_p99_first_response_ms"], BURST_P99_MS
        ),
        f"cold_start_first_answer_ms_at_{big}": _target(
            figures[f"cold_start_first_answer_ms_at_{big}"], COLD_FIRST_ANSWER_MS
        ),
    }


def table(result: dict[str, Any]) -> str:
    """The human-readable report: one row per measured thing, then the targets."""
    f = result["figures"]
    sizes = sorted(int(k.split("_")[1]) for k in f if k.startswith("leads_") and k.endswith("_seed_s"))
    big, small = sizes[-1], sizes[0]
    head = f"{'benchmark':<42}{'median ms':>11}{'p99 ms':>10}{'x floor':>9}{f'{big}/{small}':>12}  note"
    lines = [head, "-" * len(head)]

    def row(name: str, median: Any, p99: Any, ratio: Any = "", growth: Any = "", note: str = "") -> None:
        lines.append(f"{name:<42}{median!s:>11}{p99!s:>10}{ratio!s:>9}{growth!s:>12}  {note}".rstrip())

    row("floor: no-op slash command", f["floor_median_ms"], f["floor_p99_ms"], 1.0)
    for command in LEAD_COMMANDS:
        for size in sizes:
            growth = f[f"lead_{command}_median_{big}_over_{small}"] if size == big else ""
            note = f"p99 {big}/{small}: {f[f'lead_{command}_p99_{big}_over_{small}']}" if size == big else ""
            if size == sizes[0]:
                note = f"seeded in {f[f'leads_{size}_seed_s']} s" if command == "add" else note
            row(
                f"/lead {command.replace('_again', ' (again)')} @ {size:,}",
                f[f"lead_{command}_{size}_median_ms"],
                f[f"lead_{command}_{size}_p99_ms"],
                f[f"lead_{command}_{size}_vs_floor"],
                growth,
                note,
            )
    for size in sizes:
        row(f"floor beside leads @ {size:,}", f[f"leads_{size}_floor_median_ms"], f[f"leads_{size}_floor_p99_ms"])
    row(
        "checklist answer (press to next)",
        f["checklist_answer_median_ms"],
        f["checklist_answer_p99_ms"],
        f["checklist_answer_vs_floor"],
        note=f"floor beside it {f['checklist_floor_median_ms']} ms",
    )
    row(
        f"digest build ({f['digest_events']:,} events)",
        f["digest_median_ms"],
        f["digest_p99_ms"],
        note=f"max {f['digest_max_ms']} ms",
    )
    row(
        "feedback ingest, DM path",
        f["feedback_dm_ms_per_submission"],
        "",
        note=f"{f['feedback_dm_per_s']}/s, members at once ({f['feedback_dm_submissions_per_commit']} a commit); "
        f"one at a time {f['feedback_dm_one_at_a_time_per_s']}/s; /feedback give form {f['feedback_modal_per_s']}/s; "
        f"service alone {f['feedback_service_per_s']}/s, {f['feedback_service_at_once_per_s']}/s at once",
    )
    empty_max = f["start_ready_empty_max_ms"]
    row("start to ready, empty database", f["start_ready_empty_median_ms"], "", note=f"max {empty_max}")
    row(
        f"start to ready, {big:,} leads",
        f[f"start_ready_{big}_median_ms"],
        "",
        note=f"max {f[f'start_ready_{big}_max_ms']}",
    )
    stall = "longest loop stall, ms"
    row(
        f"cold start, {big:,} leads, to warm index",
        f[f"cold_start_index_warm_ms_at_{big}"],
        "",
        note=f"{stall} {f[f'loop_stall_max_ms_cold_start_warmup_at_{big}']} (from ready); "
        f"first /lead show answered {f[f'cold_start_first_answer_ms_at_{big}']} ms after the start",
    )
    for fmt in ("csv", "json"):
        row(
            f"/lead export {fmt} @ {big:,}",
            f[f"lead_export_{fmt}_at_{big}_ms"],
            "",
            note=f"{stall} {f[f'loop_stall_max_ms_lead_export_{fmt}_at_{big}']}",
        )
    row(
        f"/digest preview @ {big:,}, {f['digest_events']:,} events",
        f[f"digest_preview_at_{big}_ms"],
        "",
        note=f"{stall} {f[f'loop_stall_max_ms_digest_build_at_{big}']}",
    )
    burst = next(int(k.split("_")[1]) for k in f if k.startswith("interactions_") and k.endswith("_answered"))
    row(
        f"{burst} interactions at once",
        f[f"interactions_{burst}_median_first_response_ms"],
        f[f"interactions_{burst}_p99_first_response_ms"],
        note=f"to first response; {f[f'interactions_{burst}_answered']} answered, max "
        f"{f[f'interactions_{burst}_max_first_response_ms']} ms, "
        f"all done in {f[f'interactions_{burst}_all_done_ms']} ms",
    )
    lines.append(
        f"peak RSS of a bot on {big:,} leads (own process): {f[f'peak_rss_mb_at_{big}']} MB, "
        f"{f[f'end_rss_mb_at_{big}']} MB at the end; its first start {f[f'start_ready_fresh_process_{big}_ms']} ms; "
        f"this benchmark process peaked at {f['bench_process_peak_rss_mb']} MB"
    )
    lines.append("")
    lines.append(f"{'target':<40}{'value':>10}  {'limit':<10}met")
    for name, t in result["targets"].items():
        lines.append(f"{name:<40}{t['value']!s:>10}  {t['kind']} {t['limit']!s:<7}{'yes' if t['met'] else 'NO'}")
    sections = ", ".join(f"{k} {v} s" for k, v in result["sections_s"].items())
    lines.append(f"wall time {result['wall_s']} s ({sections})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few runs: a smoke test")
    parser.add_argument("--sizes", type=int, nargs="+", help="lead counts (default 1000 10000 100000)")
    parser.add_argument("--runs", type=int, help="samples per lead command and size (default 200)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.sizes:
        plan = replace(plan, sizes=tuple(sorted(args.sizes)))
    if args.runs:
        plan = replace(plan, runs=args.runs)
    result = asyncio.run(run(plan, quick=args.quick))
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
