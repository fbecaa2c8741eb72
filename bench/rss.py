"""The bot's memory on a large register, measured in a process of its own.

    .venv/bin/python -m bench.rss DATABASE GUILD_ID

Starts the bot with every cog on ``DATABASE`` (seeded beforehand for guild ``GUILD_ID``, see
bench/bench_leads.py), then does
what a working day does to memory: `/lead add` (which builds the in-memory name index the duplicate
check uses), `/lead search`, `/lead show` of many leads, `/lead list`. Prints one JSON line: the peak
resident memory of the process, its resident memory at the end, the leads in the database, and how
long this first start (imports already done) took to be ready.

A process of its own because peak memory is a property of the process: measured inside
``python -m bench`` it would also hold the benchmark's own leftovers (the simulated server keeps every
message of the run) and the seeding of the database.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._timing import guild_id_for_next_server
from bench.bench_leads import QUERIES
from bot.sim import Sim


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def current_rss_mb() -> float:
    """Resident memory now, in MB (Linux)."""
    return _status_mb("VmRSS")


def process_peak_rss_mb() -> float:
    """Peak resident memory of this program, in MB (Linux). Not getrusage's ru_maxrss: in a child
    started by fork and exec that also counts the parent's memory at the fork."""
    return _status_mb("VmHWM")


async def measure_rss(database: Path, guild_id: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="partnerbot-rss-") as folder, guild_id_for_next_server(guild_id):
        began = time.perf_counter()
        sim = await Sim.start(Path(folder), database=database)
        ready_ms = (time.perf_counter() - began) * 1000
        try:
            size = int(await sim.db.fetchval("SELECT count(*) FROM leads WHERE guild_id = ?", (guild_id,)))
            assert sim.guild_id == guild_id and size > 0, "the database holds no leads of this guild"
            for n in range(5):
                await sim.slash(
                    "lead add", user="alice", partner=f"Memory check partner {n}", level="local",
                    direction="external", summary="Logged while measuring memory.",
                )  # fmt: skip
            for query in QUERIES:
                await sim.slash("lead search", user="alice", query=query)
            for n in range(300):
                await sim.slash("lead show", user="alice", lead=f"L-{1 + (n * 7919) % size}")
            for filters in ({}, {"status": "logged"}, {"level": "global"}, {"mine": True}):
                await sim.slash("lead list", user="alice", **filters)
        finally:
            await sim.close()
    return {
        "leads": size,
        "peak_rss_mb": round(process_peak_rss_mb(), 1),
        "end_rss_mb": round(current_rss_mb(), 1),
        "first_start_ready_ms": round(ready_ms, 1),
    }


async def measure_in_child(database: Path, guild_id: int) -> dict[str, Any]:
    """Run this module in a new interpreter on ``database``; its JSON line, parsed."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.rss",
        str(database),
        str(guild_id),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"bench.rss failed ({child.returncode}): {err.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m bench.rss DATABASE GUILD_ID")
    print(json.dumps(asyncio.run(measure_rss(Path(sys.argv[1]), int(sys.argv[2])))))


if __name__ == "__main__":
    main()
