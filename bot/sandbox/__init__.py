"""``partnerbot sandbox``: the real bot, every cog, against a simulated server in a terminal."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot import yamlfile
from bot.config import WikiSettings
from bot.i18n.dates import format_when
from bot.logs import install as install_log_redaction
from bot.sandbox import _kept
from bot.sandbox._language import HELP, SandboxError
from bot.sandbox._session import Session, check_locale
from bot.sim import Sim, ids
from bot.sim.harness import REPO_ROOT

__all__ = ["HELP", "SandboxError", "Session", "check_locale", "run_sandbox", "run_script"]

#: The first id of the sandbox server's guild, roles, channels and members (a 2024 snowflake): the same
#: on every run, so a database kept with ``--database`` still belongs to the server, and below every id
#: made while the sandbox runs (messages, interactions), which come from the current time.
STABLE_IDS_FROM = (1_704_067_200_000 - 1_420_070_400_000) << 22
CLOCK_KEY = "sandbox.clock"  # guild_state: where the sandbox's clock stood when it last closed
EXAMPLE_CONFIG = REPO_ROOT / "config.example.yaml"
#: The longest line a terminal in canonical mode hands a program (Linux's N_TTY_BUF_SIZE, less the
#: newline): it drops what is typed or pasted past it, so a long quoted value loses its closing quote.
TTY_LINE_LIMIT = 4095


def example_hard_lines() -> list[dict[str, Any]]:
    """``leads.hard_lines`` of config.example.yaml, so a lead about weapons or tobacco is flagged in the
    sandbox as on a server set up from the example (none when the file is not there)."""
    try:
        example = yamlfile.load(EXAMPLE_CONFIG.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return list((example.get("leads") or {}).get("hard_lines") or [])


class _SandboxSim(Sim):
    #: What came back of an earlier run's server (see :mod:`bot.sandbox._kept`), if anything.
    restored: _kept.Restored | None = None

    async def _boot(self) -> None:
        ids.end_fixed_ids()  # the server is built; from here on, ordinary ids
        if self.bot is None:
            # Discord's side of a kept sandbox, back before the bot meets it (as it would on a READY).
            self.restored = _kept.restore(self.server, Path(self.settings.database))
        await super()._boot()


#: A ``wiki:`` config section for the sandbox's bot (the real wiki given on the command line), or None.
Wiki = dict[str, object] | None


async def _start(
    workdir: Path, database: Path | None, out: Callable[[str], None], wiki: Wiki = None, locale: str = "en-US"
) -> Sim:
    """The simulated server with the bot started on it, its clock where a kept database left it, and its
    background passes run once as a real start does (so the digest schedule begins counting now). With
    ``wiki``, the bot publishes to that (real) wiki: ``/publish now`` and ``/publish status`` work.
    With ``database``, says what of an earlier run it found there."""
    config: dict[str, Any] = {"leads": {"hard_lines": example_hard_lines()}}
    if wiki:
        config["wiki"] = wiki
    resuming = database is not None and await asyncio.to_thread(database.exists)
    with ids.fixed_ids(STABLE_IDS_FROM):
        sim = await _SandboxSim.start(workdir, database=database, config=config)
    saved = await sim.db.fetchval(
        "SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (sim.guild_id, CLOCK_KEY)
    )
    if saved is not None and datetime.fromisoformat(saved) > sim.clock():
        sim.clock.set(datetime.fromisoformat(saved))
    if database is not None:
        restored = sim.restored if isinstance(sim, _SandboxSim) else None
        out(_kept_note(database, resuming, restored, format_when(sim.clock(), locale)))
    await sim.tick()
    return sim


def _kept_note(database: Path, resuming: bool, restored: _kept.Restored | None, now: str) -> str:
    kept = _kept.kept_path(database)
    if not resuming:
        return f"(keeping this sandbox: the bot's records in {database}, the server's messages in {kept.name})"
    if restored is None:
        return (
            f"(resuming the sandbox kept in {database}: it is now {now}. The server's messages were not kept "
            f"(no readable {kept.name} beside it), so channels start empty and earlier cards cannot be pressed)"
        )
    return (
        f"(resuming the sandbox kept in {database}: it is now {now}; {restored.messages} messages in "
        f"{restored.places} channels, threads and DMs are back from {kept.name})"
    )


async def _close(sim: Sim, database: Path | None = None) -> None:
    if sim.bot is not None and not sim.bot.is_closed():
        async with sim.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_state (guild_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                (sim.guild_id, CLOCK_KEY, sim.clock().isoformat()),
            )
    await sim.close(check=False)
    if database is not None:
        _kept.save(sim.server, _kept.kept_path(database))


async def run_script(
    lines: list[str], *, workdir: Path, database: Path | None = None, locale: str = "en-US", wiki: Wiki = None
) -> str:
    """Run ``lines`` in a fresh sandbox and return the transcript (used by tests and ``--script``).

    Raises :class:`SandboxError` for a ``locale`` the bot has no translation for."""
    locale = check_locale(locale)
    transcript: list[str] = []
    sim = await _start(workdir, database, transcript.append, wiki, locale)
    session = Session(sim, transcript.append, locale=locale)
    try:
        for line in lines:
            if not await session.run_line(line):
                break
    finally:
        await _close(sim, database)
    return "\n".join(transcript)


async def _interactive(workdir: Path, database: Path | None, locale: str, wiki: Wiki = None) -> None:
    sim = await _start(workdir, database, print, wiki, locale)
    session = Session(sim, print, locale=locale, echo=False)
    print("Partnerships bot sandbox: a simulated server with alice and bob (working group), carol and erin")
    print("(reviewers) and dave (member). You are alice. Type `help` for the commands, `quit` to leave.")
    line_editing = _line_editing()
    try:
        while True:
            line = await _read_line(f"{session.user}> ")
            if line is None:
                break
            cut = cut_by_terminal(line, line_editing=line_editing)
            if cut is not None:
                print(cut)
            elif not await session.run_line(line):
                break
    finally:
        await _close(sim, database)


def _line_editing() -> bool:
    """Line editing and history at the prompt where the platform has readline (GNU readline or libedit;
    not on Windows): importing it is what makes ``input()`` use it, and only when both ends are a terminal.
    Imported here, at the prompt, so a script's output never holds what readline may write as it starts.
    Its history stays in memory, never in a file: a line may hold feedback text."""
    try:
        import readline  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def cut_by_terminal(line: str, *, line_editing: bool) -> str | None:
    """The hint for a line a terminal cut at its limit (None when it was not cut). Without readline the
    terminal collects each line and keeps the first 4,095 bytes; the rest is lost, so running the line
    would fail on a missing quote or, worse, run half of it. Readline reads key by key and has no limit."""
    if line_editing or not sys.stdin.isatty() or len(line.encode("utf-8")) < TTY_LINE_LIMIT:
        return None
    return (
        f"! that line is {TTY_LINE_LIMIT:,} bytes long, the most this terminal passes on, so the rest of it "
        "was lost and it was not run. Put long lines in a file and run it with --script."
    )


async def _read_line(prompt: str) -> str | None:
    """One line from the prompt, None at the end of input. Read on a daemon thread: the event loop (and the
    bot) keeps running meanwhile, and Ctrl-C ends the sandbox without waiting for a line."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str | None] = loop.create_future()

    def read() -> None:
        try:
            line: str | None = input(prompt)
        except (EOFError, OSError, ValueError):
            line = None
        try:
            loop.call_soon_threadsafe(_settle, answer, line)
        except RuntimeError:  # the sandbox ended while the line was being typed
            pass

    threading.Thread(target=read, name="sandbox-prompt", daemon=True).start()
    return await answer


def _settle(answer: asyncio.Future[str | None], line: str | None) -> None:
    if not answer.done():
        answer.set_result(line)


def _terminal_modes() -> Callable[[], None]:
    """Restores the terminal's modes as they were: Ctrl-C while readline reads would leave them changed."""
    try:
        import termios

        fd = sys.stdin.fileno()
        modes = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        return lambda: None

    def restore() -> None:
        try:
            termios.tcsetattr(fd, termios.TCSADRAIN, modes)
        except (OSError, termios.error):
            pass

    return restore


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
    try:
        locale = check_locale(locale)
    except SandboxError as error:
        print(f"--locale: {error}", file=sys.stderr)
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
            restore = _terminal_modes() if os.isatty(0) else (lambda: None)
            try:
                asyncio.run(_interactive(workdir, db_path, locale, wiki))
            except KeyboardInterrupt:
                print()
            finally:
                restore()
    return 0
