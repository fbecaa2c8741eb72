"""500 interactions arriving at once, across every command: is each one answered, and how soon?

    .venv/bin/python -m bench.bench_burst [--interactions 500] [--leads 10000]

A server of 50 members (members, working group, reviewers) and a register of ``leads`` leads, a few
checklists waiting for an answer and two leads under review. Then, in one moment, ``interactions``
interactions arrive: `/lead add`, `note`, `move`, `show`, `search`, `list`, checklist answers, review
approvals, `/feedback give` and `privacy`, `/about`, `/update list`, `/digest next` and `preview`,
`/checklist results`, `/feedback review`. Every one must be answered; the figure is the time from an
interaction's delivery to the bot's first response to it (a reply, a deferral, a form, an update of the
pressed message), on the event loop's clock. Target: p99 at most 500 ms.

Every interaction goes through discord.py's own parser and handlers as in production (bot/sim); an error
logged meanwhile (a failed handler, a crashed task) fails the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench._timing import FirstResponses, at_once, p99
from bench.bench_leads import QUERIES, seed_leads
from bot.services.leads.seed import synthetic_name
from bot.sim import Sim
from bot.sim.models import InteractionResult, SimMessage

P99_MS = 500.0
#: Leads made through `/lead add` before the register is seeded, so their cards exist in the channel.
REAL_LEADS = 12

Action = Callable[[], Awaitable[InteractionResult]]


class _Errors(logging.Handler):
    """ERROR records logged while the burst runs (a failed handler, a crashed task)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _prepare(sim: Sim, leads: int) -> dict[str, list[str]]:
    """Members, a register, checklists waiting for their first answer, two leads under review."""
    people: dict[str, list[str]] = {"member": ["dave"], "wg": ["alice", "bob"], "reviewer": ["carol", "erin"]}
    roles = {"member": (), "wg": ("working_group",), "reviewer": ("reviewers",)}
    for n in range(45):
        role = "member" if n < 25 else "wg" if n < 37 else "reviewer"
        name = f"{role}{n:02d}"
        sim.add_member(name, roles=roles[role])
        people[role].append(name)
    rng = random.Random(12)
    for n in range(REAL_LEADS):
        r = await sim.slash(
            "lead add", user="alice", partner=f"{synthetic_name(rng)} {n}", level="local", direction="external",
            summary=f"Prepared lead {n}.",
        )  # fmt: skip
        assert "Logged" in r.text, r.text
    await seed_leads(sim.db, sim.guild_id, leads, sim.clock(), names=sim.bot.services.leads.names)
    for n in range(1, 9):
        r = await sim.slash("checklist start", user="alice", lead=f"L-{n}")
        assert "Started" in r.text, r.text
    for ref in ("L-9", "L-10"):
        await sim.slash("lead move", user="alice", lead=ref, status="assessing")
        r = await sim.slash("lead move", user="alice", lead=ref, status="in_review")
        assert "to in review" in r.text, r.text
    return people


def _review_card(sim: Sim, ref: str) -> SimMessage:
    for message in sim.channel("leads").messages:
        if message.button("Approve") is not None and f"{ref} ·" in message.text:
            return message
    raise RuntimeError(f"no review card for {ref}")


def _jobs(sim: Sim, people: dict[str, list[str]], count: int, leads: int) -> list[tuple[str, Action]]:
    """``count`` interactions, writes and reads from every cog, shuffled."""
    rng = random.Random(500)
    everyone = [name for names in people.values() for name in names]
    wg = people["wg"] + people["reviewer"]
    total = REAL_LEADS + leads
    jobs: list[tuple[str, Action]] = []

    def add(kind: str, action: Action) -> None:
        jobs.append((kind, action))

    for n in range(count * 12 // 100):
        who, partner = everyone[n % len(everyone)], f"{synthetic_name(rng)} {n}"
        add("lead add", lambda who=who, partner=partner: sim.slash(
            "lead add", user=who, partner=partner, level="local", direction="external", summary=f"About {partner}",
        ))  # fmt: skip
    for n in range(count * 6 // 100):
        who, ref = rng.choice(wg), f"L-{n % REAL_LEADS + 1}"
        add("lead note", lambda who=who, ref=ref, n=n: sim.slash("lead note", user=who, lead=ref, text=f"Note {n}."))
    for ref in ("L-11", "L-12"):
        add("lead move", lambda ref=ref: sim.slash("lead move", user="bob", lead=ref, status="assessing"))
    for thread in sim.threads("checklists"):
        question = thread.last
        assert question is not None and question.button("Yes") is not None, thread
        for who in rng.sample(wg, 3):
            add("checklist answer", lambda q=question, who=who: sim.click(q, "Yes", user=who))
    for ref in ("L-9", "L-10"):
        card = _review_card(sim, ref)
        for who in people["reviewer"][:3]:
            add("review approve", lambda card=card, who=who: sim.click(card, "Approve", user=who))
    for n in range(count * 8 // 100):
        who = everyone[(n * 7) % len(everyone)]
        add("feedback give", lambda who=who: sim.slash("feedback give", user=who, topic="general"))
    reads: list[tuple[str, Callable[[str, int], Awaitable[InteractionResult]]]] = [
        ("about", lambda who, _n: sim.slash("about", user=who)),
        ("lead show", lambda who, n: sim.slash("lead show", user=who, lead=f"L-{1 + (n * 7919) % total}")),
        ("lead search", lambda who, n: sim.slash("lead search", user=who, query=QUERIES[n % len(QUERIES)])),
        ("lead list", lambda who, _n: sim.slash("lead list", user=who)),
        ("feedback privacy", lambda who, _n: sim.slash("feedback privacy", user=who)),
        ("update list", lambda who, _n: sim.slash("update list", user=who)),
    ]
    wg_reads: list[tuple[str, Callable[[str, int], Awaitable[InteractionResult]]]] = [
        ("lead show", lambda who, n: sim.slash("lead show", user=who, lead=f"L-{1 + (n * 104729) % total}")),
        ("lead list", lambda who, _n: sim.slash("lead list", user=who, status="logged")),
        ("checklist results", lambda who, n: sim.slash("checklist results", user=who, lead=f"L-{1 + n % 8}")),
        ("digest next", lambda who, _n: sim.slash("digest next", user=who)),
        ("feedback review", lambda who, _n: sim.slash("feedback review", user=who)),
    ]
    add("digest preview", lambda: sim.slash("digest preview", user="alice"))
    n = 0
    while len(jobs) < count:
        if n % 3 == 0:
            kind, read = wg_reads[n % len(wg_reads)]
            who = rng.choice(wg)
        else:
            kind, read = reads[n % len(reads)]
            who = rng.choice(everyone)
        add(kind, lambda read=read, who=who, n=n: read(who, n))
        n += 1
    rng.shuffle(jobs)
    return jobs[:count]


async def bench_burst(workdir: Path, *, interactions: int = 500, leads: int = 10_000) -> dict[str, Any]:
    """Prepare a busy server, deliver ``interactions`` interactions at once, time every first response."""
    sim = await Sim.start(workdir)
    try:
        people = await _prepare(sim, leads)
        jobs = _jobs(sim, people, interactions, leads)
        errors = _Errors()
        logging.getLogger().addHandler(errors)
        loop = asyncio.get_running_loop()
        try:
            with FirstResponses() as firsts:
                began = loop.time()
                await at_once(sim, [action for _kind, action in jobs], firsts=firsts)
                wall = loop.time() - began
        finally:
            logging.getLogger().removeHandler(errors)
    finally:
        await sim.close()
    if errors.records:
        first = errors.records[0].getMessage()
        raise RuntimeError(f"{len(errors.records)} errors logged under the burst, the first: {first}")
    latencies = [firsts.latency_ms(i) for i in range(len(jobs))]
    answered = [ms for ms in latencies if ms is not None]
    by_kind: dict[str, list[float]] = {}
    for (kind, _), ms in zip(jobs, latencies, strict=True):
        if ms is not None:
            by_kind.setdefault(kind, []).append(ms)
    return {
        "bench": "interactions_at_once",
        "interactions": len(jobs),
        "answered": len(answered),
        "median_ms": round(statistics.median(answered), 1) if answered else 0.0,
        "p99_ms": round(p99(answered), 1) if answered else 0.0,
        "max_ms": round(max(answered), 1) if answered else 0.0,
        "all_done_ms": round(wall * 1000, 1),
        "p99_by_kind_ms": {kind: round(p99(v), 1) for kind, v in sorted(by_kind.items())},
        "target_p99_ms": P99_MS,
        "ok": len(answered) == len(jobs) and bool(answered) and p99(answered) <= P99_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=500)
    parser.add_argument("--leads", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="partnerbot-burst-") as folder:
        result = asyncio.run(bench_burst(Path(folder), interactions=args.interactions, leads=args.leads))
    for key, value in result.items():
        print(f"{key:<16}{value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
