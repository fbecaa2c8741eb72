"""Checks the command line runs before it acts, each problem on one line: the config, the questionnaires
and the message catalogs (``check-config``, ``run``); the database and a backup's destination (``backup``,
``export``, ``publish``), which must exist rather than be created empty."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import yaml

from bot import yamlfile
from bot.config import ChecklistSettings, Settings, load_settings
from bot.db import FEEDBACK_MOVED_OUT, LATEST_VERSION, feedback_path
from bot.errors import ConfigError
from bot.i18n import check_catalogs
from bot.services.questionnaires import check_questionnaires, load_questionnaires

DEFAULT_QUESTIONNAIRES = "data/questionnaires"


def check_all(config_path: Path) -> tuple[Settings | None, list[str]]:
    """(settings or None, every problem found). The questionnaires are checked even when the config has
    errors (from the folder the file names, if it can be read), so one run lists everything to fix."""
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        problems += error.problems
    if settings is not None:
        folder: Path | None = settings.questionnaires
        default = settings.checklists.default
    else:
        folder, default = _questionnaires_named_in(config_path)
    if folder is not None and not folder.is_dir():
        missing = f"{config_path}: questionnaires: folder {folder} does not exist"
        if missing not in problems:  # load_settings says so when the rest of the file is valid
            problems.append(missing)
    elif folder is not None:
        found = check_questionnaires(folder)
        problems += found
        if not found:
            known = load_questionnaires(folder)
            if default not in known:
                problems.append(
                    f"{config_path}: checklists.default: no questionnaire with id {default!r} "
                    f"in {folder} (known: {', '.join(sorted(known)) or 'none'})"
                )
    problems += check_catalogs()
    return settings, problems


def _questionnaires_named_in(config_path: Path) -> tuple[Path | None, str]:
    """The questionnaires folder and default questionnaire a config file names, read without validating the
    rest (which has errors); (None, ...) when the file gives nothing usable."""
    default = ChecklistSettings().default
    try:
        raw: Any = yamlfile.load(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None, default
    if not isinstance(raw, dict):
        return None, default
    checklists = raw.get("checklists")
    if isinstance(checklists, dict) and isinstance(checklists.get("default"), str):
        default = checklists["default"]
    value = raw.get("questionnaires") or DEFAULT_QUESTIONNAIRES
    if not isinstance(value, str):
        return None, default
    # Relative to the config file's folder, as load_settings resolves it.
    return (config_path.resolve().parent / value).resolve(), default


def check_database(path: Path, config: Path, *, guild_id: int | None = None) -> str | None:
    """Why the bot's database at ``path`` cannot be read by a command that must not create one, in one
    line; None when it can. Reads it without writing (nothing is created or migrated here).

    With ``guild_id``, a database that holds nothing for that server is a problem too: no lead and no
    ``guild_state`` row. The bot writes the latter at every start (its review terms), so a server it has
    run in passes even with no leads yet; a ``guild_id`` copied wrong does not."""
    where = f"check database: in {config}"
    if not path.exists():
        return f"no database at {path} ({where}; the bot creates it on its first start)"
    if path.is_dir():
        return f"database: {path} is a folder, not a database file ({where})"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return f"cannot open the database {path}: {error}"
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            return f"{path} is not the bot's database (it has none of its tables; {where})"
        if version > LATEST_VERSION:
            return (
                f"{path} is at schema version {version}, newer than this bot ({LATEST_VERSION}); "
                "upgrade the bot or restore a backup"
            )
        store = feedback_path(path)
        if version >= FEEDBACK_MOVED_OUT and not store.exists():
            return (
                f"the feedback store {store} is missing beside {path}: put back the copy taken with the "
                "database (partnerbot backup writes both); only if it is lost for good, partnerbot run starts "
                "an empty one"
            )
        if guild_id is not None:
            return _no_data_for(conn, path, guild_id, config)
    except sqlite3.DatabaseError as error:
        return f"{path} is not a readable database ({error}; {where})"
    finally:
        conn.close()
    return None


def _no_data_for(conn: sqlite3.Connection, path: Path, guild_id: int, config: Path) -> str | None:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"leads", "guild_state"} <= tables:  # a database from before the leads register
        return f"{path} holds no data yet: the bot has not run in server {guild_id} with this database"
    has_data = (
        "SELECT EXISTS (SELECT 1 FROM leads WHERE guild_id = ?)"
        " OR EXISTS (SELECT 1 FROM guild_state WHERE guild_id = ?)"
    )
    if conn.execute(has_data, (guild_id, guild_id)).fetchone()[0]:
        return None
    others = [
        str(row[0]) for row in conn.execute("SELECT guild_id FROM guild_state UNION SELECT guild_id FROM leads LIMIT 6")
    ]
    if not others:
        return f"{path} holds no data yet: the bot has not run in server {guild_id} with this database"
    listed = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    return (
        f"{path} holds no data for server {guild_id}, only for {listed}: "
        f"is guild_id right in {config}, or database: pointing at another server's file?"
    )


def check_backup_target(dest: Path, database: Path) -> str | None:
    """Why a backup of ``database`` cannot be written to ``dest`` (and its feedback store beside it), in
    one line; None when it can be tried. Checked before anything is written, so a refused backup leaves
    no half of itself behind."""
    if dest.is_dir():
        return f"backup: {dest} is a folder: name the file to write, for example {dest / database.name}"
    folder = dest.parent
    if not folder.exists():
        return f"backup: folder {folder} does not exist: create it first, or choose another path"
    if not folder.is_dir():
        return f"backup: {folder} is not a folder"
    live = {database.resolve(), feedback_path(database).resolve()}
    for target in (dest, feedback_path(dest)):
        if target.resolve() in live:
            return f"backup: {dest} would overwrite the live database: write the copy somewhere else"
        if target.is_dir():
            return f"backup: {target} is a folder, and the copy needs that name"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"backup: cannot write in folder {folder} (permission denied)"
    return None
