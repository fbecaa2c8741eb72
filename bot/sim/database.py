"""A fresh database for a simulated bot, copied from one migrated once per process.

Migrating a new database runs every migration in its own transaction, each with its fsync: about twenty
milliseconds, paid by every test that starts a bot. The result is the same empty, migrated pair of files
every time, so it is made once and copied (with its times, as the bot left them); a test still gets files
of its own and shares no state."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from bot.db import Database, feedback_path, open_database

_template: Path | None = None


def _needs_copy(path: Path) -> bool:
    return str(path) != ":memory:" and not path.exists() and not feedback_path(path).exists()


def _copy(template: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, path)
    shutil.copy2(feedback_path(template), feedback_path(path))


async def _made() -> Path:
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="pb-sim-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        db = await open_database(folder / "empty.db")
        await db.close()
        _template = folder / "empty.db"
    return _template


async def open_fresh(path: Path) -> Database:
    """The database at ``path``, opened as the bot opens it; when there is none yet, a copy of an empty,
    migrated one (and its feedback store) is put there first."""
    path = Path(path)
    if _needs_copy(path):
        _copy(await _made(), path)
    return await open_database(path)
