"""Structural rules: every extension loads, command names are unique, services stay free of discord,
the catalogs are complete, shipped data validates."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

from bot import cogs
from bot.checks import check_all
from bot.i18n import LANGUAGES, catalogs, check_catalogs
from bot.sim import Sim

REPO = Path(__file__).resolve().parents[1]


def test_services_do_not_import_discord() -> None:
    offenders = []
    for path in (REPO / "bot" / "services").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n == "discord" or n.startswith(("discord.", "bot.ui", "bot.cogs", "bot.sim"))
            ]
    assert offenders == []


async def test_every_cog_loads_and_command_names_are_unique(sim: Sim) -> None:
    # Every feature package under bot/cogs has its cog built by the composition root (the wiki's only
    # when a wiki is configured, which this server is not).
    packages = {info.name for info in pkgutil.iter_modules(cogs.__path__) if not info.name.startswith("_")}
    built = {type(cog).__module__.split(".")[2] for cog in sim.bot.cogs.values()}
    assert packages - {"wiki"} <= built
    seen: set[str] = set()
    for command in sim.synced_commands:
        assert command["name"] not in seen, f"/{command['name']} is registered twice"
        seen.add(command["name"])

    def paths(node: dict, prefix: str) -> list[str]:
        subs = [o for o in node.get("options") or [] if o["type"] in (1, 2)]
        if not subs:
            return [prefix]
        found = []
        for sub in subs:
            found += paths(sub, f"{prefix} {sub['name']}")
        return found

    all_paths = [p for c in sim.synced_commands for p in paths(c, c["name"])]
    assert len(all_paths) == len(set(all_paths))


async def test_commands_are_described_and_localized(sim: Sim) -> None:
    def walk(node: dict, where: str) -> None:
        assert node.get("description"), f"{where} has no description"
        for option in node.get("options") or []:
            walk(option, f"{where} {option['name']}")

    for command in sim.synced_commands:
        walk(command, command["name"])
        assert command.get("name_localizations", {}).get("es-ES"), f"/{command['name']} has no Spanish name"
        assert command.get("description_localizations", {}).get("fr"), f"/{command['name']} has no French text"


def test_catalogs_complete_with_the_same_placeholders() -> None:
    assert check_catalogs() == []
    assert set(LANGUAGES) <= set(catalogs())


def test_example_config_questionnaires_and_catalogs_validate() -> None:
    settings, problems = check_all(REPO / "config.example.yaml")
    assert settings is not None and problems == []


def _cog_sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted((REPO / "bot" / "cogs").rglob("*.py"))
    ]


def test_cogs_pass_no_database_guild_or_time_to_services() -> None:
    """Services are built with the database, the guild, the clock and the settings bound in (bot/compose.py):
    a cog that reaches for ``bot.db`` or passes ``guild_id``/``now``/``settings`` by hand bypasses them."""
    offenders = []
    for path, tree in _cog_sources():
        where = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "db":
                offenders.append(f"{where}:{node.lineno}: .db")
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg in ("db", "guild_id", "now", "settings"):
                        offenders.append(f"{where}:{node.lineno}: {keyword.arg}=")
                for arg in node.args:
                    if isinstance(arg, ast.Attribute) and arg.attr == "guild_id":
                        offenders.append(f"{where}:{node.lineno}: guild_id passed")
    assert offenders == []


def test_no_module_is_over_400_lines() -> None:
    """A module longer than that does more than one thing: split it along its seam."""
    long = [
        f"{path.relative_to(REPO)}: {count} lines"
        for path in sorted((REPO / "bot").rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert long == []


def test_services_talk_to_sqlite_one_way() -> None:
    """Reads through ``db.fetch*``/``db.call``, writes through ``db.run_sync`` (see bot/db's docstring): no
    ``transaction()`` block and no aiosqlite object in a service."""
    offenders = []
    for path in sorted((REPO / "bot" / "services").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("transaction", "conn"):
                offenders.append(f"{where}:{node.lineno}: .{node.attr}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [f"{where}:{node.lineno}: imports {n}" for n in names if n.split(".")[0] == "aiosqlite"]
    assert offenders == []
