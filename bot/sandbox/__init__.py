"""``partnerbot sandbox``: the real bot, every cog, against a simulated server in a terminal."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot.config import WikiSettings
from bot.logs import install as install_log_redaction
from bot.sandbox._session import HELP, Session
from bot.sim import Sim, ids

__all__ = ["HELP", "Session", "run_sandbox", "run_script"]

#: The first id of the sandbox server's guild, roles, channels and members (a 2024 snowflake): the same
#: on every run, so a database kept with ``--database`` still belongs to the server, and below every id
#: made while the sandbox runs (messages, interactions), which come from the current time.
STABLE_IDS_FROM = (1_704_067_200_000 - 1_420_070_400_000) << 22
CLOCK_KEY = "sandbox.clock"  # guild_state: where the sandbox's clock stood when it last closed


class _SandboxSim(Sim):
    async def _boot(self) -> None:
        ids.end_fixed_ids()  # the server is built; from here on, ordinary ids
        await super()._boot()


#: A ``wiki:`` config section for the sandbox's bot (the real wiki given on the command line), or None.
Wiki = dict[str, object] | None


async def _start(workdir: Path, database: Path | None, out: Callable[[str], None], wiki: Wiki = None) -> Sim:
    """The simulated server with the bot started on it, its clock where a kept database left it, and its
    background passes run once as a real start does (so the digest schedule begins counting now). With
    ``wiki``, the bot publishes to that (real) wiki: ``/publish now`` and ``/publish status`` work."""
    with ids.fixed_ids(STABLE_IDS_FROM):
        sim = await _SandboxSim.start(workdir, database=database, config={"wiki": wiki} if wiki else None)
    saved = await sim.db.fetchval(
        "SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (sim.guild_id, CLOCK_KEY)
    )
    if saved is not None and datetime.fromisoformat(saved) > sim.clock():
        sim.clock.set(datetime.fromisoformat(saved))
        out(f"(resuming the sandbox kept in {database}: it is now {sim.clock():%a %d %b %Y %H:%M} UTC)")
    await sim.tick()
    return sim


async def _close(sim: Sim) -> None:
    if sim.bot is not None and not sim.bot.is_closed():
        async with sim.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_state (guild_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                (sim.guild_id, CLOCK_KEY, sim.clock().isoformat()),
            )
    await sim.close(check=False)


async def run_script(
    lines: list[str], *, workdir: Path, database: Path | None = None, locale: str = "en-US", wiki: Wiki = None
) -> str:
    """Run ``lines`` in a fresh sandbox and return the transcript (used by tests and ``--script``)."""
    transcript: list[str] = []
    sim = await _start(workdir, database, transcript.append, wiki)
    session = Session(sim, transcript.append, locale=locale)
    try:
        for line in lines:
            if not await session.run_line(line):
                break
    finally:
        await _close(sim)
    return "\n".join(transcript)


async def _interactive(workdir: Path, database: Path | None, locale: str, wiki: Wiki = None) -> None:
    sim = await _start(workdir, database, print, wiki)
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
        await _close(sim)


def _prompt(user: str) -> str | None:
    try:
        return input(f"{user}> ")
    except EOFError:
        return None


def run_sandbox(*, script: str | None, database: str | None, locale: str = "en-US", wiki: Wiki = None) -> int:
    install_log_redaction()  # for the life of the process, as under the CLI
    logging.basicConfig(level=logging.CRITICAL)
    if wiki is not None:
        try:
            WikiSettings.model_validate(wiki)
        except ValidationError as error:
            problem = error.errors()[0]
            print(f"the wiki given: {'.'.join(map(str, problem['loc']))}: {problem['msg']}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="partnerbot-sandbox-") as tmp:
        workdir = Path(tmp)
        db_path = Path(database).resolve() if database else None
        if script:
            try:
                lines = Path(script).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                print(f"cannot read {script}: {error.strerror}", file=sys.stderr)
                return 2
            print(asyncio.run(run_script(lines, workdir=workdir, database=db_path, locale=locale, wiki=wiki)))
        else:
            asyncio.run(_interactive(workdir, db_path, locale, wiki))
    return 0
