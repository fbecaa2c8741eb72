"""Message catalogs: every sentence the bot says, by key, in English and its translations.

Catalogs are gettext PO files read with Babel (``bot/locales/<lang>/LC_MESSAGES/<domain>.po``), one
domain per feature so each feature's words live together. Message ids are stable keys such as
``lead.added``; the English catalog is the source text. Placeholders are named, ``{partner}``.
Command domains (``commands.po``, ``commands_<feature>.po``) are different: their ids are the English
command names, descriptions and choice names themselves, as discord.py's translator hands them over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

SOURCE = "en"
#: Languages shipped complete. Anything else falls back to English.
LANGUAGES = ("en", "es", "fr", "ar")
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})

# Unicode first-strong isolate / pop directional isolate: a Latin partner name or "L-12" inside an
# Arabic sentence keeps its own direction and does not reorder the words around it.
FSI, PDI = "\u2068", "\u2069"

_PLACEHOLDER = re.compile(r"{(\w+)}")


def language_of(locale: object) -> str:
    """Map a Discord locale (``es-ES``, ``fr``, ``ar``, a ``discord.Locale``) to a shipped language."""
    value = getattr(locale, "value", locale)
    if not value:
        return SOURCE
    return _language(str(value))


@lru_cache(maxsize=128)
def _language(value: str) -> str:
    lang = value.replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else SOURCE


def is_rtl(locale: object) -> bool:
    return language_of(locale) in RTL_LANGUAGES


def isolate(text: str) -> str:
    """Wrap ``text`` so its direction does not leak into the sentence around it."""
    return f"{FSI}{text}{PDI}"


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, dict[str, str]]]:
    """{language: {domain: {msgid: msgstr}}} for every shipped PO file."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    root = resources.files("bot") / "locales"
    for lang_dir in root.iterdir():
        messages_dir = lang_dir / "LC_MESSAGES"
        if not messages_dir.is_dir():
            continue
        for po in messages_dir.iterdir():
            if not po.name.endswith(".po"):
                continue
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=None, domain=po.name[:-3])
            entries = {str(m.id): str(m.string) for m in catalog if m.id and m.string and isinstance(m.id, str)}
            found.setdefault(lang_dir.name, {})[po.name[:-3]] = entries
    return found


@lru_cache(maxsize=8)
def _merged(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for domain, entries in catalogs().get(lang, {}).items():
        if not _is_command_domain(domain):
            merged.update(entries)
    return merged


def _is_command_domain(domain: str) -> bool:
    return domain == "commands" or domain.startswith("commands_")


@lru_cache(maxsize=8)
def _command_texts(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for domain, entries in catalogs().get(lang, {}).items():
        if _is_command_domain(domain):
            merged.update(entries)
    return merged


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(locale: object, key: str, /, **params: Any) -> str:
    """The message ``key`` in the language of ``locale``, placeholders filled.

    Falls back to English for a missing language or key; an unknown key is logged and shown as
    its English-looking key rather than raising, so a slip never breaks a reply.
    """
    lang = language_of(locale)
    text = _merged(lang).get(key)
    if text is None:
        text = _merged(SOURCE).get(key)
        lang = SOURCE if text is not None else lang
    if text is None:
        log.warning("missing message key %r", key)
        return key
    if params:
        if lang in RTL_LANGUAGES:
            params = {k: isolate(str(v)) if isinstance(v, str | int) else v for k, v in params.items()}
        text = text.format_map(_Keep(params))
    return text


def has_key(key: str) -> bool:
    return key in _merged(SOURCE)


def term(locale: object, kind: str, value: str) -> str:
    """A fixed word of the product (a status, level, direction, tier, severity) in ``locale``.

    This is the word a member reads in a sentence or on a card (``in review``); commands and options keep
    the pipeline words of DESIGN.md (``in_review``). A value the catalog does not know is shown as it is
    stored rather than as a key name.
    """
    key = f"{kind}.{value}"
    return t(locale, key) if has_key(key) else value


def translate_command_text(text: str, locale: object) -> str | None:
    """A command name, description or choice in ``locale``, or None when none is shipped."""
    lang = language_of(locale)
    if lang == SOURCE:
        return None
    return _command_texts(lang).get(text)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check_catalogs(data: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None) -> list[str]:
    """Problems with the shipped catalogs: missing keys, extra keys, placeholders that differ."""
    data = catalogs() if data is None else data
    problems: list[str] = []
    source = data.get(SOURCE, {})
    for lang in LANGUAGES:
        if lang == SOURCE:
            continue
        domains = data.get(lang, {})
        for domain, entries in source.items():
            theirs = domains.get(domain, {})
            where = f"bot/locales/{lang}/LC_MESSAGES/{domain}.po"
            for key, english in entries.items():
                if key not in theirs:
                    problems.append(f"{where}: missing {key!r}")
                elif not _is_command_domain(domain) and placeholders(theirs[key]) != placeholders(english):
                    problems.append(
                        f"{where}: {key!r} has placeholders {sorted(placeholders(theirs[key]))}, "
                        f"English has {sorted(placeholders(english))}"
                    )
            for key in theirs.keys() - entries.keys():
                problems.append(f"{where}: {key!r} is not in the English catalog")
    return problems
