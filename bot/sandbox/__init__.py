"""``partnerbot sandbox``: the real bot, every cog, against a simulated server in a terminal."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from bot.sandbox._session import HELP, Session
from bot.sim import Sim

__all__ = ["HELP", "Session", "run_sandbox", "run_script"]


async def run_script(lines: list[str], *, workdir: Path, database: Path | None = None, locale: str = "en-US") -> str:
    """Run ``lines`` in a fresh sandbox and return the transcript (used by tests and ``--script``)."""
    transcript: list[str] = []
    sim = await Sim.start(workdir, database=database)
    session = Session(sim, transcript.append, locale=locale)
    try:
        for line in lines:
            if not await session.run_line(line):
                break
    finally:
        await sim.close()
    return "\n".join(transcript)


async def _interactive(workdir: Path, database: Path | None, locale: str) -> None:
    sim = await Sim.start(workdir, database=database)
    session = Session(sim, print, locale=locale)
    print("Partnerships bot sandbox: a simulated server with alice and bob (working group), carol and erin")
    print("(reviewers) and dave (member). You are alice. Type `help` for the commands, `quit` to leave.")
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, _prompt, session.user)
            if line is None or not await session.run_line(line):
                break
    finally:
        await sim.close()


def _prompt(user: str) -> str | None:
    try:
        return input(f"{user}> ")
    except EOFError:
        return None


def run_sandbox(*, script: str | None, database: str | None, locale: str = "en-US") -> int:
    logging.basicConfig(level=logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="partnerbot-sandbox-") as tmp:
        workdir = Path(tmp)
        db_path = Path(database).resolve() if database else None
        if script:
            try:
                lines = Path(script).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                print(f"cannot read {script}: {error.strerror}", file=sys.stderr)
                return 2
            print(asyncio.run(run_script(lines, workdir=workdir, database=db_path, locale=locale)))
        else:
            asyncio.run(_interactive(workdir, db_path, locale))
    return 0
