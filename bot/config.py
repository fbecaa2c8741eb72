"""Settings: YAML read with ``safe_load`` into a frozen, typed model; every error names the key path."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot import yamlfile
from bot.config_warnings import config_warnings as config_warnings  # re-exported
from bot.errors import ConfigError

DEFAULT_SECTORS = (
    "GLAM",
    "education",
    "research",
    "government",
    "civil society",
    "company",
    "funder",
    "media",
    "other",
)
DEFAULT_LEGAL_SUFFIXES = (
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "ev",
    "e v",
    "sa",
    "sarl",
    "srl",
    "bv",
    "nv",
    "co",
    "corp",
    "corporation",
    "company",
    "foundation",
    "stiftung",
    "fondation",
    "fundacion",
    "association",
    "org",
)
DEFAULT_AREAS = (
    "legal",
    "technical",
    "PR/brand",
    "community",
    "fundraising",
    "health and safety",
    "diversity and inclusion",
)
Snowflake = int


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Roles(_Section):
    members: Snowflake | None = None
    working_group: Snowflake
    reviewers: Snowflake


class Channels(_Section):
    leads: Snowflake
    checklists: Snowflake
    announcements: Snowflake
    digest: Snowflake


class HardLine(_Section):
    name: str = Field(min_length=1)
    patterns: tuple[str, ...] = Field(min_length=1)
    message: str = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        return patterns


class LeadsSettings(_Section):
    sectors: tuple[str, ...] = DEFAULT_SECTORS
    legal_suffixes: tuple[str, ...] = DEFAULT_LEGAL_SUFFIXES
    #: rapidfuzz score (0-100) from which a name counts as a likely duplicate.
    duplicate_threshold: int = Field(default=88, ge=50, le=100)
    stale_days: int = Field(default=30, ge=1)
    hard_lines: tuple[HardLine, ...] = ()


class ReviewSettings(_Section):
    quorum: int = Field(default=2, ge=1)
    min_hours: float = Field(default=72, ge=0)


class ChecklistSettings(_Section):
    on_complete: Literal["in_review", "none"] = "in_review"
    default: str = "partnership-assessment"


class DigestSettings(_Section):
    schedule: str = "0 9 * * MON"
    timezone: str = "UTC"
    catch_up: Literal["latest_once", "skip"] = "latest_once"
    skip_empty: bool = False

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a five-field cron expression (for example '0 9 * * MON')")
        # Valid syntax can still never fire ("0 9 30 2 *"): refuse it here rather than wait forever.
        # Whether a day exists does not depend on the zone, so UTC is enough to tell.
        from bot.services.schedule import ScheduleError, validate

        try:
            validate(value, "UTC")
        except ScheduleError:
            raise ValueError(f"{value!r} never fires (no such day in any year)") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone (for example 'Europe/Berlin')") from exc
        return value


class FeedbackSettings(_Section):
    per_day: int = Field(default=5, ge=1)
    min_batch: int = Field(default=3, ge=1)
    retention_days: int = Field(default=365, ge=1)
    max_length: int = Field(default=2000, ge=1, le=4000)


class UpdateSettings(_Section):
    areas: tuple[str, ...] = DEFAULT_AREAS
    discussion_threads: bool = True


class WikiPages(_Section):
    """The two pages the bot keeps its part of (any title the wiki allows, in any script)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: ``register`` in the YAML (the name itself would shadow a method of pydantic's models).
    register_page: str = Field(default="Partnerships/Register", alias="register", min_length=1, max_length=255)
    decisions: str = Field(default="Partnerships/Decisions", min_length=1, max_length=255)

    @model_validator(mode="after")
    def _distinct(self) -> WikiPages:
        if self.register_page.strip() == self.decisions.strip():
            raise ValueError("the register and the decisions need two different pages")
        return self


class WikiSettings(_Section):
    """Publishing the register and the decisions on a MediaWiki wiki (optional: without it, nothing)."""

    #: The wiki's Action API, e.g. ``https://meta.example.org/w/api.php``.
    api_url: str
    #: The bot password's login name, ``Account@appid`` (Special:BotPasswords shows it).
    user: str = Field(min_length=3, pattern=r"^[^@]+@[^@]+$")
    #: The environment variable holding the bot password (never the password itself).
    password_env: str = "WIKI_BOT_PASSWORD"
    pages: WikiPages = WikiPages()
    schedule: str = "0 6 * * *"
    timezone: str = "UTC"
    #: The language of the bot's part of the pages; the server's ``locale`` (else English) when unset.
    locale: Literal["en", "es", "fr", "ar"] | None = None
    #: Whether the decisions name the reviewers who voted (the digest in Discord always does).
    name_reviewers: bool = False
    #: How long after a change to a public lead the pages are written (changes in a row go together).
    debounce_minutes: float = Field(default=10, ge=0, le=1440)

    @field_validator("api_url")
    @classmethod
    def _api(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?api\.php", value):
            raise ValueError(
                f"{value!r} is not a wiki's api.php URL (for example 'https://wiki.example.org/w/api.php')"
            )
        return value

    _cron = field_validator("schedule")(classmethod(lambda cls, v: DigestSettings._cron(v)))  # type: ignore[misc]
    _zone = field_validator("timezone")(classmethod(lambda cls, v: DigestSettings._zone(v)))  # type: ignore[misc]

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


class Settings(_Section):
    """The validated configuration. Paths are absolute (resolved against the config file's folder)."""

    guild_id: Snowflake
    token_env: str = "DISCORD_TOKEN"
    locale: Literal["en", "es", "fr", "ar"] | None = None
    roles: Roles
    channels: Channels
    database: Path = Path("data/partnerships.db")
    questionnaires: Path = Path("data/questionnaires")
    log_dir: Path = Path("data/logs")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    leads: LeadsSettings = LeadsSettings()
    review: ReviewSettings = ReviewSettings()
    checklists: ChecklistSettings = ChecklistSettings()
    digest: DigestSettings = DigestSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    updates: UpdateSettings = UpdateSettings()
    wiki: WikiSettings | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


def _format_loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose fields live at ``loc`` (for suggesting a key when one is unknown)."""
    model: type[BaseModel] | None = Settings
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
            None,
        )
    return model


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    where = _format_loc(loc)
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        hint = ""
        if parent is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1)
            if close:
                hint = f"; did you mean {_format_loc((*loc[:-1], close[0]))!r}?"
        return f"{where}: unknown key{hint}"
    if kind == "missing":
        return f"{where}: required key is missing"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = error.get("input")
    if kind in {"int_parsing", "int_type", "bool_parsing", "bool_type", "string_type", "literal_error"}:
        return f"{where}: {message.lower()} (got {yamlfile.short(value)})"
    return f"{where}: {message}"


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    for key in ("database", "questionnaires", "log_dir"):
        value = raw.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            raw[key] = str((base / value).resolve())
    for key, default in (
        ("database", "data/partnerships.db"),
        ("questionnaires", "data/questionnaires"),
        ("log_dir", "data/logs"),
    ):
        raw.setdefault(key, str((base / default).resolve()))


def _check_paths(settings: Settings) -> list[str]:
    problems = []
    if not settings.questionnaires.is_dir():
        problems.append(f"questionnaires: folder {settings.questionnaires} does not exist")
    db_dir = settings.database.parent
    probe = db_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if settings.database.exists():
        if not os.access(settings.database, os.W_OK):
            problems.append(f"database: {settings.database} is not writable")
    elif not probe.is_dir() or not os.access(probe, os.W_OK):
        problems.append(f"database: cannot create {settings.database} ({probe} is not a writable folder)")
    return problems


def parse_settings(text: str, *, source: str = "config.yaml", base_dir: Path | None = None) -> Settings:
    """Validate YAML text. Raises :class:`ConfigError` whose problems each read ``source: key: problem``."""
    try:
        raw = yamlfile.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([f"{source}: {where}YAML syntax error: {problem}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{source}: the file must be a mapping of keys to values"])
    _resolve_paths(raw, base_dir or Path.cwd())
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([f"{source}: {_describe(e)}" for e in exc.errors()]) from None
    problems = [f"{source}: {p}" for p in _check_paths(settings)]
    if problems:
        raise ConfigError(problems)
    return settings


def load_settings(path: str | Path) -> Settings:
    """Read and validate the config file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found (copy config.example.yaml to start)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    return parse_settings(text, source=str(path), base_dir=path.resolve().parent)
