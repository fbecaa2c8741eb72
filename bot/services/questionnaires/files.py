"""Reading the questionnaire folder: every problem as ``file: question id: problem``, for
``partnerbot check-config`` and for the start of the bot."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot import yamlfile
from bot.errors import ConfigError, NotFound
from bot.services.questionnaires.model import Questionnaire
from bot.services.questionnaires.validate import questionnaire_problems, translation_gaps

log = logging.getLogger(__name__)


def _location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``questions.3.type`` becomes ``brand_risk: type`` when question 3 has an id."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = raw.get("questions") if isinstance(raw, dict) else None
        if isinstance(questions, list) and loc[1] < len(questions):
            item = questions[loc[1]]
            qid = item.get("id") if isinstance(item, dict) else None
            if qid is not None:
                rest = ".".join(parts[2:])
                return f"{qid}: {rest}" if rest else str(qid)
    return ".".join(parts) or "(top level)"


def _describe(raw: Any, error: Any) -> str:
    where = _location(raw, tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    if error["type"] == "missing":
        return f"{where}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message} (got {yamlfile.short(error.get('input'))})"


def parse_questionnaire(text: str, source: str) -> tuple[Questionnaire | None, list[str]]:
    """(the questionnaire or None, every problem as ``source: where: problem``)."""
    questionnaire, problems = _parsed(text, source)
    return questionnaire, list(problems)


@functools.lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> tuple[Questionnaire | None, tuple[str, ...]]:
    """:func:`parse_questionnaire`, remembered by the file's text: a questionnaire is a frozen model, so a
    second start (a restart, another bot in the same process) shares the first one's instead of parsing
    28 KB of YAML again."""
    try:
        raw = yamlfile.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, (f"{source}: {where}YAML syntax error: {problem}",)
    if not isinstance(raw, dict):
        return None, (f"{source}: the file must be a mapping with id, version, title and questions",)
    try:
        questionnaire = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        return None, tuple(f"{source}: {_describe(raw, e)}" for e in exc.errors())
    return questionnaire, tuple(f"{source}: {p}" for p in questionnaire_problems(questionnaire))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load(folder: Path) -> tuple[dict[str, Questionnaire], list[str], list[str]]:
    """(questionnaires by id, structural problems, translation gaps)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}, [f"{folder}: questionnaire folder does not exist"], []
    found: dict[str, Questionnaire] = {}
    problems: list[str] = []
    gaps: list[str] = []
    for path in _files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        questionnaire, file_problems = parse_questionnaire(text, str(path))
        problems += file_problems
        if questionnaire is None or file_problems:
            continue
        if questionnaire.id in found:
            problems.append(f"{path}: id: {questionnaire.id!r} is already used by another file")
            continue
        found[questionnaire.id] = questionnaire
        gaps += [f"{path}: {g}" for g in translation_gaps(questionnaire)]
    return found, problems, gaps


def check_questionnaires(folder: Path) -> list[str]:
    """Every problem in the folder, one line each (``file: question id: problem``), including
    translations that lack a question. Empty when all is well."""
    _, problems, gaps = _load(folder)
    return problems + gaps


def load_questionnaires(folder: Path) -> dict[str, Questionnaire]:
    """Every questionnaire in ``folder`` by id. Raises :class:`ConfigError` with every structural
    problem; incomplete translations only log a warning (the default language fills the gaps)."""
    found, problems, gaps = _load(folder)
    if problems:
        raise ConfigError(problems)
    for gap in gaps:
        log.warning("questionnaire translation incomplete: %s", gap)
    return found


def find_questionnaire(found: dict[str, Questionnaire], name: str) -> Questionnaire:
    """The questionnaire with id ``name``; NotFound listing the ones there are."""
    questionnaire = found.get(name.strip())
    if questionnaire is None:
        raise NotFound("checklist.unknown_questionnaire", name=name.strip()[:50], available=", ".join(sorted(found)))
    return questionnaire
