"""Structural rules: every extension loads, command names are unique, services stay free of discord,
the catalogs are complete, shipped data validates."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.app import cog_modules
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
    loaded = set(sim.bot.extensions)
    assert set(cog_modules()) <= loaded
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
