"""Message catalogs: every sentence the bot says, by key, in English and its translations.

Catalogs are gettext PO files read with Babel (``bot/locales/<lang>/LC_MESSAGES/<domain>.po``, read by
:mod:`bot.i18n.loading`), one domain per feature so each feature's words live together. Message ids are
stable keys such as ``lead.added``; the English catalog is the source text. Placeholders are named,
``{partner}``.
Command domains (``commands.po``, ``commands_<feature>.po``) are different: their ids are the English
command names, descriptions and choice names themselves, as discord.py's translator hands them over.
"""

from __future__ import annotations

import gettext
import logging
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from babel.messages.plurals import get_plural

from bot.i18n.loading import PluralDomain, catalogs, plural_catalogs

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
        if key in _merged_plurals(SOURCE) and isinstance(params.get("count"), int):
            return tn(locale, key, params["count"], **params)
        log.warning("missing message key %r", key)
        return key
    return _fill(lang, text, params)


def _fill(lang: str, text: str, params: Mapping[str, Any]) -> str:
    if params:
        if lang in RTL_LANGUAGES:
            params = {k: isolate(str(v)) if isinstance(v, str | int) else v for k, v in params.items()}
        text = text.format_map(_Keep(params))
    return text


def has_key(key: str) -> bool:
    return key in _merged(SOURCE) or key in _merged_plurals(SOURCE)


def term(locale: object, kind: str, value: str) -> str:
    """A fixed word of the product (a status, level, direction, tier, severity) in ``locale``.

    This is the word a member reads in a sentence or on a card (``in review``); commands and options keep
    the pipeline words of docs/design.md (``in_review``). A value the catalog does not know is shown as it is
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
    """Problems with the shipped catalogs: missing keys, extra keys, placeholders that differ, and (for the
    shipped catalogs) every plural entry's forms, see check_plurals."""
    checking_shipped = data is None
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
    if checking_shipped:
        problems += check_plurals()
    return problems


# --- Plurals ------------------------------------------------------------------------------------------------
#
# A message where a number meets a noun is a gettext plural entry, still keyed by a stable id:
#
#     msgid "lead.exported"
#     msgid_plural "lead.exported.plural"
#     msgstr[0] "{count} lead exported as {format}."
#     msgstr[1] "{count} leads exported as {format}."
#
# Every PO file holding one declares its language's ``Plural-Forms`` header, exactly the one Babel knows
# (``babel.messages.plurals.get_plural``, built from the CLDR rules that ``Locale.plural_form`` applies):
# en 2 forms (one, other); es and fr 3 (one, many for whole millions, other; French's "one" is 0 and 1);
# ar 6 (zero, one, two, few, many, other). ``tn`` picks ``msgstr[i]`` with that header's expression, the way
# gettext's ``ngettext`` does, so the bot and any gettext tool read the same form. check_plurals holds the
# headers to Babel's and every entry to its form count and placeholders.


@lru_cache(maxsize=8)
def _merged_plurals(lang: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """{msgid: (forms, plural expression)} of one language."""
    merged: dict[str, tuple[tuple[str, ...], str]] = {}
    expected = plural_forms(lang)[1]
    for domain in plural_catalogs().get(lang, {}).values():
        expr = domain.plural_forms[1] if domain.plural_forms else expected
        for key, forms in domain.entries.items():
            merged[key] = (forms, expr)
    return merged


def plural_forms(lang: str) -> tuple[int, str]:
    """(number of forms, gettext plural expression) that ``lang`` needs, as Babel knows them."""
    rule = get_plural(lang)
    return rule.num_plurals, rule.plural_expr.strip()


@lru_cache(maxsize=32)
def _plural_function(expr: str) -> Callable[[int], int]:
    return gettext.c2py(expr)  # type: ignore[attr-defined,no-any-return]


def plural_index(lang: str, count: int, expr: str | None = None) -> int:
    """The gettext form index (``msgstr[i]``) of ``count`` in ``lang`` (or under ``expr``)."""
    return int(_plural_function(expr or plural_forms(lang)[1])(abs(int(count))))


def tn(locale: object, key: str, count: int, /, **params: Any) -> str:
    """The plural message ``key`` in the language of ``locale``, in the form ``count`` needs.

    ``count`` fills ``{count}`` unless the caller passes ``count=`` itself; when a message counts under
    another name (``{quorum}``) pass that too. Falls back to English like ``t``; a key that is not a plural
    entry is read as an ordinary message, so a slip never breaks a reply.
    """
    lang = language_of(locale)
    found = _merged_plurals(lang).get(key)
    if found is None:
        found = _merged_plurals(SOURCE).get(key)
        lang = SOURCE if found is not None else lang
    params.setdefault("count", count)
    if found is None:
        log.warning("message key %r is not a plural entry", key)
        return t(locale, key, **params)
    forms, expr = found
    index = plural_index(lang, count, expr)
    text = forms[index] if index < len(forms) else forms[-1]
    return _fill(lang, text, params)


def check_plurals(data: Mapping[str, Mapping[str, PluralDomain]] | None = None) -> list[str]:
    """Problems with plural entries: a missing or wrong Plural-Forms header, a form count the language does
    not need, an empty form, placeholders that differ between forms or from English, missing or extra keys."""
    data = plural_catalogs() if data is None else data
    problems: list[str] = []
    english: dict[str, set[str]] = {}
    for plural in data.get(SOURCE, {}).values():
        for key, forms in plural.entries.items():
            english[key] = placeholders(forms[0]) if forms else set()
    for lang in sorted(set(LANGUAGES) | set(data)):
        needed = plural_forms(lang)
        domains = data.get(lang, {})
        for domain, plural in domains.items():
            where = f"bot/locales/{lang}/LC_MESSAGES/{domain}.po"
            if plural.plural_forms is None:
                problems.append(f"{where}: has plural entries but no Plural-Forms header")
            elif plural.plural_forms != needed:
                problems.append(
                    f"{where}: Plural-Forms is nplurals={plural.plural_forms[0]}; plural={plural.plural_forms[1]}, "
                    f"{lang} needs nplurals={needed[0]}; plural={needed[1]}"
                )
            for key, forms in plural.entries.items():
                if len(forms) != needed[0]:
                    problems.append(f"{where}: {key!r} has {len(forms)} forms, {lang} needs {needed[0]}")
                for index, form in enumerate(forms):
                    if not form:
                        problems.append(f"{where}: {key!r} msgstr[{index}] is empty")
                    elif key in english and placeholders(form) != english[key]:
                        problems.append(
                            f"{where}: {key!r} msgstr[{index}] has placeholders {sorted(placeholders(form))}, "
                            f"English has {sorted(english[key])}"
                        )
                if key not in english:
                    problems.append(f"{where}: plural {key!r} is not a plural entry in the English catalog")
        if lang != SOURCE and lang in LANGUAGES:
            theirs = {key for plural in domains.values() for key in plural.entries}
            for domain, plural in data.get(SOURCE, {}).items():
                for key in plural.entries.keys() - theirs:
                    problems.append(f"bot/locales/{lang}/LC_MESSAGES/{domain}.po: missing plural {key!r}")
    return problems


#: Notes the bot itself writes on a lead, stored in the server's language when written: re-rendered in the
#: reader's language when shown (a checklist's start or completion, its flags, a duplicate's fields).
BOT_NOTE_KEYS = ("checklist.note.started", "checklist.note.review", "checklist.note.completed")
#: A bullet a client never reads as markdown (a leading ``-`` is escaped and shown as ``\-``).
BULLET = "•"


@lru_cache(maxsize=64)
def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"({\w+})", template)
    body = "".join(f"(?P<{p[1:-1]}>.+?)" if _PLACEHOLDER.fullmatch(p) else re.escape(p) for p in parts)
    return re.compile(rf"^{body}$", re.S)


def _match_any(keys: tuple[str, ...], text: str) -> tuple[str, dict[str, str]] | None:
    """The key (and the placeholder values) whose template, in any shipped language, produced ``text``."""
    for key in keys:
        for lang in LANGUAGES:
            template = _merged(lang).get(key)
            if template is None:
                continue
            found = _template_pattern(template).match(text)
            if found:
                return key, found.groupdict()
    return None


@lru_cache(maxsize=4)
def _severity_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for lang in LANGUAGES:
        for key, text in _merged(lang).items():
            if key.startswith("checklist.severity."):
                words[text.casefold()] = key
    return words


def _field_line(locale: object, line: str) -> str:
    name, sep, value = line.partition(": ")
    if sep and has_key(f"field.{name}"):
        return f"{term(locale, 'field', name)}{_colon(locale)}{value}"
    return line


def _colon(locale: object) -> str:
    return "\u202f: " if language_of(locale) == "fr" else ": "


_DUPLICATE_HEAD = re.compile(r"^.* \(<@\d+>\)$")
_SEVERITY_LINE = re.compile(r"^(?:- |• )(?P<severity>[^:\u202f]+?)\u202f?: (?P<message>.*)$", re.S)


#: The longest first line of a note the bot writes (a checklist's title and counts): a longer one is a
#: person's, and the template patterns (lazy groups, which backtrack) are never tried on it.
BOT_NOTE_HEAD_MAX = 300


def localize_note(locale: object, text: str) -> str:
    """A note the bot wrote (in the server's language, with field ids) in the language of ``locale``.

    Text a person wrote is returned unchanged; only the bot's own lines are recognised: a checklist started
    or completed, its flags by severity (with a bullet that is not markdown), and the field names of a note
    that *Add as a note* made from a duplicate."""
    if not text:
        return text
    lines = text.split("\n")
    if len(lines[0]) > BOT_NOTE_HEAD_MAX:
        return text  # longer than any line the bot writes; and the templates' patterns stay cheap to try
    head = _match_any(BOT_NOTE_KEYS, lines[0])
    if head is not None:
        key, values = head
        out = [t(locale, key, **values)]
        words = _severity_words()
        for line in lines[1:]:
            found = _SEVERITY_LINE.match(line)
            severity_key = words.get(found["severity"].casefold()) if found else None
            if found and severity_key:
                line = f"{BULLET} {t(locale, severity_key)}{_colon(locale)}{found['message']}"
            out.append(line)
        return "\n".join(out)
    if _DUPLICATE_HEAD.match(lines[0]):
        return "\n".join([lines[0], *(_field_line(locale, line) for line in lines[1:])])
    return text
