"""A button's or a select's words in English, whatever language the bot wrote them in.

A script is written once, with the English labels (``click "Log anyway"``), and runs in every language: a
member reading Spanish sees *Registrar de todos modos*, and either wording presses it. The English of a
label is found in the catalogs: the message whose translation the label is (placeholders and all, so
*Añadir como nota a L-1* reads *Add as a note to L-1*), rendered again in English.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.i18n import FSI, LANGUAGES, PDI, SOURCE, catalogs, t

_PLACEHOLDER = re.compile(r"{(\w+)}")


def _pattern(template: str) -> re.Pattern[str] | None:
    """``template`` as a regex that matches what it renders to, each placeholder captured by name."""
    parts: list[str] = []
    seen: set[str] = set()
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        at = match.end()
    parts.append(re.escape(template[at:]))
    try:
        return re.compile("".join(parts), re.S)
    except re.error:
        return None


@lru_cache(maxsize=8)
def _templates(lang: str) -> tuple[tuple[str, str, re.Pattern[str] | None], ...]:
    """(key, text, pattern) of every short message of ``lang`` (labels are short), commands excepted."""
    found = []
    for domain, entries in catalogs().get(lang, {}).items():
        if domain == "commands" or domain.startswith("commands_"):
            continue
        for key, text in entries.items():
            if isinstance(text, str) and text and len(text) <= 100 and "\n" not in text:
                found.append((key, text, _pattern(text) if "{" in text else None))
    return tuple(found)


@lru_cache(maxsize=1024)
def english_of(label: str) -> frozenset[str]:
    """The English wordings of ``label`` (a label in any shipped language): empty when it is in no catalog."""
    english: set[str] = set()
    for lang in LANGUAGES:
        if lang == SOURCE:
            continue
        for key, text, pattern in _templates(lang):
            if pattern is None:
                if text == label:
                    english.add(t(SOURCE, key))
                continue
            match = pattern.fullmatch(label)
            if match is not None:
                params = {k: v.strip(FSI + PDI) for k, v in match.groupdict().items()}
                english.add(t(SOURCE, key, **params))
    english.discard(label)
    return frozenset(english)


def names(label: str) -> set[str]:
    """Every wording a member may use for ``label``: itself and its English, compared without case."""
    return {label.casefold(), *(e.casefold() for e in english_of(label))}


def matches(wanted: str, label: str | None) -> bool:
    """Whether ``wanted`` (as typed in a script) names ``label`` (as the bot wrote it)."""
    return bool(label) and wanted.casefold() in names(str(label))


def contains(wanted: str, label: str | None) -> bool:
    """Whether ``wanted`` is part of ``label`` or of its English (a select's placeholder: ``select Topic``)."""
    return bool(label) and any(wanted.casefold() in name for name in names(str(label)))
