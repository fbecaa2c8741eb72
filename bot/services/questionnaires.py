"""Questionnaires: the YAML format of data/questionnaires, its validation and its translations."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError

log = logging.getLogger(__name__)

TYPES = ("yesno", "choice", "multi", "scale", "text")
SEVERITIES = ("high", "medium", "low")
SCALE = (1, 2, 3, 4, 5)
YESNO = ("yes", "no")

# Discord limits the rendered questionnaire must fit.
CUSTOM_ID_LIMIT = 100
SELECT_OPTIONS_LIMIT = 25
SELECT_OPTION_LIMIT = 100  # select option label, value and description
TEXT_INPUT_PLACEHOLDER_LIMIT = 100
BUTTON_LABEL_LIMIT = 80  # scale legends are button-sized
TITLE_LIMIT = 256  # embed title (questionnaire title, section names)
TEXT_LIMIT = 1000  # question text, help and flag messages: each a part of one embed
DESCRIPTION_LIMIT = 2000
#: The longest custom id a question produces: ``pb:cl:<run id>:<question id>:scale:5`` with a run id
#: of up to 12 digits (see bot/cogs/checklists/_views.py).
CUSTOM_ID_OVERHEAD = len("pb:cl:") + 12 + len(":") + len(":scale:5")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


def _yaml_word(value: Any) -> Any:
    """YAML 1.1 reads a bare ``yes``/``no`` as a boolean; the format means the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    description: str | None = None

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        raw = _yaml_word(raw)
        if isinstance(raw, str | int | float):
            return {"value": str(raw), "label": str(raw)}
        if isinstance(raw, dict):
            raw = {k: _yaml_word(v) for k, v in raw.items()}
            if "value" in raw and not isinstance(raw["value"], str):
                raw["value"] = str(raw["value"])
            raw.setdefault("label", raw.get("value"))
        return raw


class QuestionFlag(_Model):
    when: tuple[str | int, ...] = Field(min_length=1)
    severity: str
    message: str = Field(min_length=1)

    @field_validator("when", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            value = [value]
        return [_yaml_word(v) for v in value]


class Question(_Model):
    id: str = Field(min_length=1)
    section: str = ""
    text: str = Field(min_length=1)
    help: str | None = None
    type: str
    options: tuple[Option, ...] = ()
    required: bool = True
    flag: QuestionFlag | None = None
    #: Scale questions: what the ends (or any step) of 1-5 mean, e.g. ``{1: none, 5: severe}``.
    labels: dict[int, str] = {}
    #: Text questions: a hint shown inside the empty answer box.
    placeholder: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        return [Option.coerce(v) for v in value] if isinstance(value, list) else value

    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def answer_values(self) -> tuple[str | int, ...]:
        """The values a flag's ``when`` may name."""
        if self.type == "yesno":
            return YESNO
        if self.type == "scale":
            return SCALE
        return self.option_values()


class OptionTranslation(_Model):
    label: str = Field(min_length=1)
    description: str | None = None


class QuestionTranslation(_Model):
    text: str | None = None
    help: str | None = None
    #: ``{value: label}`` or ``{value: {label, description}}``.
    options: dict[str, OptionTranslation] = {}
    labels: dict[int, str] = {}
    placeholder: str | None = None
    flag: str | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            str(_yaml_word(k)): {"label": _yaml_word(v)} if isinstance(v, str | bool) else v
            for k, v in value.items()
        }


class Translation(_Model):
    title: str | None = None
    description: str | None = None
    sections: dict[str, str] = {}
    questions: dict[str, QuestionTranslation] = {}


class Questionnaire(_Model):
    id: str = Field(min_length=1)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    description: str = ""
    #: The language ``title``, ``text``, ``help`` and labels are written in; translations add others.
    language: str = "en"
    questions: tuple[Question, ...] = Field(min_length=1)
    translations: dict[str, Translation] = {}

    def index_of(self, question_id: str) -> int:
        for index, question in enumerate(self.questions):
            if question.id == question_id:
                return index
        raise KeyError(question_id)

    def localized(self, locale: object) -> Localized:
        return Localized(self, locale)


class Localized:
    """A questionnaire's words in one language, each falling back to the questionnaire's own."""

    def __init__(self, questionnaire: Questionnaire, locale: object) -> None:
        from bot.i18n import language_of

        self.questionnaire = questionnaire
        lang = language_of(locale) if locale else questionnaire.language
        self.translation = questionnaire.translations.get(lang, Translation())

    def _q(self, question: Question) -> QuestionTranslation:
        return self.translation.questions.get(question.id) or QuestionTranslation()

    @property
    def title(self) -> str:
        return self.translation.title or self.questionnaire.title

    @property
    def description(self) -> str:
        return self.translation.description or self.questionnaire.description

    def section(self, name: str) -> str:
        return self.translation.sections.get(name) or name

    def text(self, question: Question) -> str:
        return self._q(question).text or question.text

    def help(self, question: Question) -> str | None:
        return self._q(question).help or question.help

    def placeholder(self, question: Question) -> str | None:
        return self._q(question).placeholder or question.placeholder

    def option(self, question: Question, value: str) -> str:
        translated = self._q(question).options.get(value)
        if translated:
            return translated.label
        return next((o.label for o in question.options if o.value == value), value)

    def option_description(self, question: Question, value: str) -> str | None:
        translated = self._q(question).options.get(value)
        if translated and translated.description:
            return translated.description
        return next((o.description for o in question.options if o.value == value), None)

    def scale_label(self, question: Question, value: int) -> str | None:
        return self._q(question).labels.get(value) or question.labels.get(value)

    def flag_message(self, question: Question) -> str:
        assert question.flag is not None
        return self._q(question).flag or question.flag.message


# -- validation -------------------------------------------------------------------------------------


def _too_long(what: str, text: str | None, limit: int) -> list[str]:
    if text is not None and len(text) > limit:
        return [f"{what} is {len(text)} characters, over the limit of {limit}"]
    return []


def _question_problems(question: Question) -> list[str]:
    problems: list[str] = []
    if not ID_PATTERN.match(question.id):
        problems.append("id may use only letters, digits, '_', '-' and '.'")
    longest = CUSTOM_ID_OVERHEAD + len(question.id)
    if longest > CUSTOM_ID_LIMIT:
        problems.append(
            f"custom ids would be up to {longest} characters, over Discord's {CUSTOM_ID_LIMIT} "
            f"(shorten the id to at most {CUSTOM_ID_LIMIT - CUSTOM_ID_OVERHEAD})"
        )
    if question.type not in TYPES:
        problems.append(f"unknown type {question.type!r} (expected one of {', '.join(TYPES)})")
        return problems
    problems += _too_long("text", question.text, TEXT_LIMIT)
    problems += _too_long("help", question.help, TEXT_LIMIT)
    problems += _too_long("section", question.section, TITLE_LIMIT)
    problems += _too_long("placeholder", question.placeholder, TEXT_INPUT_PLACEHOLDER_LIMIT)
    if question.type in ("choice", "multi"):
        if len(question.options) < 2:
            problems.append(f"a {question.type} question needs at least 2 options")
        if len(question.options) > SELECT_OPTIONS_LIMIT:
            problems.append(
                f"{len(question.options)} options, over Discord's limit of {SELECT_OPTIONS_LIMIT} in a select"
            )
        seen: set[str] = set()
        for option in question.options:
            if option.value in seen:
                problems.append(f"option {option.value!r} appears twice")
            seen.add(option.value)
            problems += _too_long(f"option {option.value!r} value", option.value, SELECT_OPTION_LIMIT)
            problems += _too_long(f"option {option.value!r} label", option.label, SELECT_OPTION_LIMIT)
            problems += _too_long(
                f"option {option.value!r} description", option.description, SELECT_OPTION_LIMIT
            )
    elif question.options:
        problems.append(f"options are only for choice and multi questions, not {question.type}")
    if question.labels and question.type != "scale":
        problems.append("labels are only for scale questions")
    for value, label in question.labels.items():
        if value not in SCALE:
            problems.append(f"scale label {value} is outside 1-5")
        problems += _too_long(f"scale label {value}", label, BUTTON_LABEL_LIMIT)
    if question.placeholder is not None and question.type != "text":
        problems.append("placeholder is only for text questions")
    if question.flag is not None:
        problems += _flag_problems(question, question.flag)
    return problems


def _flag_problems(question: Question, flag: QuestionFlag) -> list[str]:
    problems: list[str] = []
    if flag.severity not in SEVERITIES:
        problems.append(f"flag severity {flag.severity!r} is not one of {', '.join(SEVERITIES)}")
    problems += _too_long("flag message", flag.message, TEXT_LIMIT)
    if question.type == "text":
        return [*problems, "flags are not supported on text questions (nothing to match)"]
    for value in flag.when:
        if question.type == "scale":
            number = int(value) if isinstance(value, int) or str(value).isdigit() else None
            if number not in SCALE:
                problems.append(f"flag when {value!r}: scale value outside 1-5")
        elif question.type == "yesno":
            if value not in YESNO:
                problems.append(f"flag when {value!r}: a yesno question is answered yes or no")
        elif str(value) not in question.option_values():
            problems.append(
                f"flag when {value!r} names no option (options: {', '.join(question.option_values())})"
            )
    return problems


def _translation_problems(questionnaire: Questionnaire) -> list[str]:
    """Structural problems in translations: unknown questions/options, text over the limits."""
    problems: list[str] = []
    by_id = {q.id: q for q in questionnaire.questions}
    for lang, translation in questionnaire.translations.items():
        where = f"translations.{lang}"
        problems += [f"{where}: {p}" for p in _too_long("title", translation.title, TITLE_LIMIT)]
        problems += [
            f"{where}: {p}" for p in _too_long("description", translation.description, DESCRIPTION_LIMIT)
        ]
        sections = {q.section for q in questionnaire.questions}
        for name, text in translation.sections.items():
            if name not in sections:
                problems.append(f"{where}: section {name!r} is not a section of the questionnaire")
            problems += [f"{where}: {p}" for p in _too_long(f"section {name!r}", text, TITLE_LIMIT)]
        for qid, qt in translation.questions.items():
            question = by_id.get(qid)
            if question is None:
                problems.append(f"{where}: {qid}: no question has this id")
                continue
            here = f"{where}: {qid}"
            problems += [f"{here}: {p}" for p in _too_long("text", qt.text, TEXT_LIMIT)]
            problems += [f"{here}: {p}" for p in _too_long("help", qt.help, TEXT_LIMIT)]
            problems += [f"{here}: {p}" for p in _too_long("flag", qt.flag, TEXT_LIMIT)]
            problems += [
                f"{here}: {p}" for p in _too_long("placeholder", qt.placeholder, TEXT_INPUT_PLACEHOLDER_LIMIT)
            ]
            for value, option in qt.options.items():
                if value not in question.option_values():
                    problems.append(f"{here}: option {value!r} names no option")
                for part in ("label", "description"):
                    text = getattr(option, part)
                    problems += [
                        f"{here}: {p}"
                        for p in _too_long(f"option {value!r} {part}", text, SELECT_OPTION_LIMIT)
                    ]
            for value, label in qt.labels.items():
                if value not in SCALE:
                    problems.append(f"{here}: scale label {value} is outside 1-5")
                problems += [
                    f"{here}: {p}" for p in _too_long(f"scale label {value}", label, BUTTON_LABEL_LIMIT)
                ]
    return problems


def translation_gaps(questionnaire: Questionnaire) -> list[str]:
    """What each translation lacks (``translations.es: q7: no text``). The bot falls back to the
    questionnaire's own language for these, so they are reported, never fatal."""
    gaps: list[str] = []
    sections = list(dict.fromkeys(q.section for q in questionnaire.questions if q.section))
    for lang, translation in questionnaire.translations.items():
        where = f"translations.{lang}"
        if not translation.title:
            gaps.append(f"{where}: no title")
        if questionnaire.description and not translation.description:
            gaps.append(f"{where}: no description")
        gaps += [
            f"{where}: section {s!r} is not translated" for s in sections if s not in translation.sections
        ]
        for question in questionnaire.questions:
            qt = translation.questions.get(question.id)
            if qt is None:
                gaps.append(f"{where}: {question.id}: question is not translated")
                continue
            here = f"{where}: {question.id}"
            if not qt.text:
                gaps.append(f"{here}: no text")
            if question.help and not qt.help:
                gaps.append(f"{here}: no help")
            if question.placeholder and not qt.placeholder:
                gaps.append(f"{here}: no placeholder")
            if question.flag is not None and not qt.flag:
                gaps.append(f"{here}: no flag message")
            for option in question.options:
                translated = qt.options.get(option.value)
                if translated is None:
                    gaps.append(f"{here}: option {option.value!r} has no label")
                elif option.description and not translated.description:
                    gaps.append(f"{here}: option {option.value!r} has no description")
            gaps += [
                f"{here}: scale label {v} is not translated" for v in question.labels if v not in qt.labels
            ]
    return gaps


def questionnaire_problems(questionnaire: Questionnaire) -> list[str]:
    """Every structural problem, each as ``<question id or key>: <problem>``."""
    problems: list[str] = []
    if not ID_PATTERN.match(questionnaire.id):
        problems.append("id: may use only letters, digits, '_', '-' and '.'")
    problems += [f"id: {p}" for p in _too_long("id", questionnaire.id, SELECT_OPTION_LIMIT)]
    problems += [f"title: {p}" for p in _too_long("title", questionnaire.title, TITLE_LIMIT)]
    problems += [
        f"description: {p}" for p in _too_long("description", questionnaire.description, DESCRIPTION_LIMIT)
    ]
    seen: set[str] = set()
    for question in questionnaire.questions:
        if question.id in seen:
            problems.append(f"{question.id}: duplicate question id")
        seen.add(question.id)
        problems += [f"{question.id}: {p}" for p in _question_problems(question)]
    return problems + _translation_problems(questionnaire)


# -- files ------------------------------------------------------------------------------------------


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
    return f"{where}: {message} (got {error.get('input')!r})"


def parse_questionnaire(text: str, source: str) -> tuple[Questionnaire | None, list[str]]:
    """(the questionnaire or None, every problem as ``source: where: problem``)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [f"{source}: {where}YAML syntax error: {problem}"]
    if not isinstance(raw, dict):
        return None, [f"{source}: the file must be a mapping with id, version, title and questions"]
    try:
        questionnaire = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        return None, [f"{source}: {_describe(raw, e)}" for e in exc.errors()]
    return questionnaire, [f"{source}: {p}" for p in questionnaire_problems(questionnaire)]


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


def snapshot(questionnaire: Questionnaire) -> str:
    """The questionnaire as stored with a run, so later edits never change a run's questions."""
    return questionnaire.model_dump_json()


@lru_cache(maxsize=64)
def from_snapshot(text: str) -> Questionnaire:
    """A run's questionnaire (cached: every button press reloads its run)."""
    return Questionnaire.model_validate_json(text)


def sections(questionnaire: Questionnaire) -> list[str]:
    """Section names in the order they first appear."""
    return list(dict.fromkeys(q.section for q in questionnaire.questions))
