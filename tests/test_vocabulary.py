"""Each vocabulary of the register (statuses, levels, directions, tiers, visibilities, editable fields, export
formats, severities, sectors) is written once, in the service layer, and everything else takes it from
there: the slash commands' choices, the checks, the seeding, the exports' columns, the database schema."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot import config
from bot.db import Database
from bot.services import questionnaires
from bot.services.feedback_drafts import TOPICS
from bot.services.leads import export, export_formats, model, pipeline, register, seed
from bot.sim import Sim

REPO = Path(__file__).resolve().parents[1]

#: Slash-command option name -> the service vocabulary its choices must be.
OPTION_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "status": model.STATUSES,
    "level": model.LEVELS,
    "direction": model.DIRECTIONS,
    "tier": model.TIERS,
    "visibility": model.VISIBILITIES,
    "field": model.EDITABLE,
    "format": model.FORMATS,
    "topic": TOPICS,
}
#: Every vocabulary, by name, for the source scans.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    **OPTION_VOCABULARIES,
    "severity": model.SEVERITIES,
    "sector": config.DEFAULT_SECTORS,
}
#: Where each vocabulary is written (relative to the repository).
DEFINED_IN = {
    **dict.fromkeys(OPTION_VOCABULARIES, "bot/services/leads/model.py"),
    "topic": "bot/services/feedback_drafts.py",
    "severity": "bot/services/questionnaires/model.py",
    "sector": "bot/config.py",
}
#: Restatements not yet replaced by an import (file, vocabulary); remove an entry once its file imports it.
KNOWN_COPIES: set[tuple[str, str]] = set()


def _commands(sim: Sim) -> list[app_commands.Command[Any, ..., Any]]:
    tree = sim.bot.tree
    found = [*tree.walk_commands(), *tree.walk_commands(guild=discord.Object(sim.guild_id))]
    return [c for c in found if isinstance(c, app_commands.Command)]


async def test_slash_command_choices_are_the_service_vocabularies(sim: Sim) -> None:
    seen: set[str] = set()
    for command in _commands(sim):
        for parameter in command.parameters:
            vocabulary = OPTION_VOCABULARIES.get(parameter.name)
            if vocabulary is None:
                continue
            where = f"/{command.qualified_name} {parameter.name}"
            assert tuple(c.value for c in parameter.choices) == vocabulary, where
            seen.add(parameter.name)
    # Every vocabulary a command offers today is checked (a renamed option would otherwise slip out).
    assert seen >= {"status", "level", "direction", "tier", "field", "format"}


def test_service_vocabularies_are_the_aliases_of_one_definition() -> None:
    # The names imported elsewhere are the very tuples of the model, not copies.
    assert register.EDITABLE is model.EDITABLE
    assert export.FORMATS is model.FORMATS
    assert set(export_formats.FORMAT_MAKERS) == set(model.FORMATS)
    # Open and closed statuses split the statuses; the pipeline knows every status.
    assert set(model.OPEN_STATUSES).isdisjoint(model.CLOSED_STATUSES)
    assert set(model.OPEN_STATUSES) | set(model.CLOSED_STATUSES) == set(model.STATUSES)
    assert set(pipeline.TRANSITIONS) == set(model.STATUSES)
    # Flags of checklist answers (questionnaire severities) are the register's flag severities.
    assert set(model.SEVERITIES) == set(questionnaires.SEVERITIES)


def _string_collections(tree: ast.AST) -> list[tuple[int, set[str], bool]]:
    """(line, the strings, whether it is a ``Literal[...]``) of every tuple, list, set and Literal of
    string constants in ``tree``."""
    found = []
    for node in ast.walk(tree):
        elements: list[ast.expr] | None = None
        literal = False
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Subscript) and (
            (isinstance(node.value, ast.Name) and node.value.id == "Literal")
            or (isinstance(node.value, ast.Attribute) and node.value.attr == "Literal")
        ):
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            literal = True
        if elements:
            words = {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if words:
                found.append((node.lineno, words, literal))
    return found


def test_no_module_restates_a_vocabulary() -> None:
    """Outside the module that defines it, no vocabulary is written out again in full, and no cog types an
    option with a ``Literal`` of vocabulary words (it imports the model's type). A few words of a vocabulary
    (the statuses a card shows in one colour, the step from assessing to review) are not a restatement."""
    offenders = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        for line, words, literal in _string_collections(ast.parse(path.read_text(encoding="utf-8"))):
            for vocabulary, members in VOCABULARIES.items():
                if name == DEFINED_IN[vocabulary] or (name, vocabulary) in KNOWN_COPIES:
                    continue
                if words == set(members) or (literal and name.startswith("bot/cogs/") and words & set(members)):
                    offenders.append(f"{name}:{line}: the {vocabulary} vocabulary")
    assert offenders == []


def test_seeding_and_settings_share_the_default_sectors() -> None:
    assert seed.DEFAULT_SECTORS is config.DEFAULT_SECTORS
    assert config.LeadsSettings().sectors == config.DEFAULT_SECTORS
    source = (REPO / "bot" / "services" / "leads" / "seed.py").read_text(encoding="utf-8")
    assert not any(words & set(config.DEFAULT_SECTORS) for _, words, _ in _string_collections(ast.parse(source)))


async def test_schema_checks_allow_exactly_the_vocabularies(db: Database) -> None:
    """Migration 0002's CHECK constraints (a shipped migration, not rewritten) agree with the model."""
    schema = {
        row["name"]: row["sql"]
        for row in await db.fetchall("SELECT name, sql FROM sqlite_master WHERE name IN ('leads', 'lead_flags')")
    }

    def allowed(table: str, column: str) -> tuple[str, ...]:
        match = re.search(rf"\b{column}\s+IN\s*\(([^)]*)\)", schema[table])
        assert match, f"{table}.{column} has no CHECK list"
        return tuple(re.findall(r"'([^']*)'", match.group(1)))

    assert allowed("leads", "status") == model.STATUSES
    assert allowed("leads", "level") == model.LEVELS
    assert allowed("leads", "direction") == model.DIRECTIONS
    assert allowed("leads", "tier") == model.TIERS
    assert allowed("leads", "visibility") == model.VISIBILITIES
    assert allowed("lead_flags", "severity") == model.SEVERITIES


async def test_csv_and_json_exports_have_the_same_fields_in_the_same_order(db: Database) -> None:
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    await seed.bulk_insert_leads(db, 1, 3, now)
    as_csv = await export.export_leads(db, 1, "csv", now=now)
    as_json = await export.export_leads(db, 1, "json", now=now)
    header = next(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    leads = json.loads(as_json.data)["leads"]
    assert len(leads) == 3
    fields = export_formats.LEAD_FIELDS
    assert tuple(header) == export_formats.CSV_COLUMNS == ("id", *fields)
    for lead in leads:
        assert tuple(lead) == ("id", "ref", *fields, "notes", "history")
    # The wiki table shows some of the same fields (public ones), in the order of its headings.
    as_wiki = await export.export_leads(db, 1, "wikitext", now=now)
    headings = as_wiki.data.decode("utf-8").splitlines()[1]
    assert headings == "! " + " !! ".join(export_formats.WIKI_COLUMNS)
    assert {attr for _, attr in export_formats.WIKI_FIELDS} <= {"ref", *fields}
