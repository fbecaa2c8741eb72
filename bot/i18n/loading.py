"""Reading the shipped message catalogs: every gettext PO file under ``bot/locales``, read once with Babel,
as plain entries (msgid -> msgstr) and as plural entries with their Plural-Forms header.

:mod:`bot.i18n` looks messages up in these and re-exports ``catalogs``, ``plural_catalogs`` and
``PluralDomain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po


@lru_cache(maxsize=1)
def _po_files() -> tuple[tuple[str, str, Catalog], ...]:
    """(language, domain, catalog) for every shipped PO file, each read once."""
    found: list[tuple[str, str, Catalog]] = []
    root = resources.files("bot") / "locales"
    for lang_dir in root.iterdir():
        messages_dir = lang_dir / "LC_MESSAGES"
        if not messages_dir.is_dir():
            continue
        for po in messages_dir.iterdir():
            if not po.name.endswith(".po"):
                continue
            with po.open("rb") as handle:
                found.append((lang_dir.name, po.name[:-3], read_po(handle, locale=None, domain=po.name[:-3])))
    return tuple(found)


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, dict[str, str]]]:
    """{language: {domain: {msgid: msgstr}}} for every shipped PO file (plural entries: see plural_catalogs)."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for lang, domain, catalog in _po_files():
        entries = {str(m.id): str(m.string) for m in catalog if m.id and m.string and isinstance(m.id, str)}
        found.setdefault(lang, {})[domain] = entries
    return found


@dataclass(frozen=True)
class PluralDomain:
    """The plural entries of one PO file: its Plural-Forms header (None when absent) and msgid -> forms."""

    plural_forms: tuple[int, str] | None
    entries: dict[str, tuple[str, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def plural_catalogs() -> dict[str, dict[str, PluralDomain]]:
    """{language: {domain: PluralDomain}} for every shipped PO file that holds plural entries."""
    found: dict[str, dict[str, PluralDomain]] = {}
    for lang, domain, catalog in _po_files():
        entries = {
            str(m.id[0]): tuple(str(form) for form in m.string)
            for m in catalog
            if isinstance(m.id, tuple | list) and m.id and isinstance(m.string, tuple | list)
        }
        if not entries:
            continue
        declared = getattr(catalog, "_num_plurals", None) is not None
        header = (catalog.num_plurals, catalog.plural_expr.strip()) if declared else None
        found.setdefault(lang, {})[domain] = PluralDomain(header, entries)
    return found
