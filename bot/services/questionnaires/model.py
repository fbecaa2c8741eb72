"""The questionnaire format (data/questionnaires/*.yaml): typed models, Discord's limits, translations."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
            str(_yaml_word(k)): {"label": _yaml_word(v)} if isinstance(v, str | bool) else v for k, v in value.items()
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


def snapshot(questionnaire: Questionnaire) -> str:
    """The questionnaire as stored with a run, so later edits never change a run's questions."""
    return questionnaire.model_dump_json()


@lru_cache(maxsize=64)
def from_snapshot(text: str) -> Questionnaire:
    """A run's questionnaire (cached: every button press reloads its run)."""
    return Questionnaire.model_validate_json(text)
