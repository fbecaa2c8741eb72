"""Every message of every catalog, rendered with every placeholder filled: nothing left in English in a
non-English catalog, and the same placeholders in every language.

The PO files are read directly (not through :mod:`bot.i18n`), plural entries (``msgid_plural`` /
``msgstr[n]``) included: each form is rendered and checked on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[1] / "bot" / "locales"
SOURCE = "en"
PLACEHOLDER = re.compile(r"{(\w+)}")

#: Words that read as English in a sentence: one of them in a Spanish, French or Arabic message means a
#: sentence (or part of one) was left untranslated.
ENGLISH_WORDS = re.compile(r"\b(the|and|is|are|you|your|with|this|will|Checklist|Checklists)\b")

#: Words a translation keeps as they are in English (docs/design.md fixes them, or they are names).
KEPT_WORDS = frozenset(
    w.casefold()
    for w in re.findall(
        r"\S+",
        # Commands, subcommands and options (docs/design.md section 9: commands and options keep their names).
        "lead about checklist update digest feedback publish add show list search move note assign edit export "
        "start status results cancel post preview send next give retract privacy review now partner level "
        "direction sector tier entity summary link contact query text field value format topic code run "
        "questionnaire mine area lessons mode dry"
        # Pipeline statuses, levels, directions, tiers, export formats (the words commands take).
        " logged assessing in_review approved negotiating active completed vetoed declined paused withdrawn "
        "global regional national local external internal contributory collaborative creative co-creative "
        "csv json wikitext GLAM"
        # Proper names, products and protocols.
        " Discord Wikimedia MediaWiki Wikipedia Commons Europeana SQLite FTS5 YAML UTC ISO HTTP HTTPS http https "
        "www org com CC BY SA OK API id ids L",
    )
)

#: Messages that may read the same as English on purpose, by (language, key). Each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # The same word in the language (a cognate), not a leftover.
    ("es", "checklist.no"): "Spanish 'No'",
    ("es", "General"): "Spanish 'General' (a feedback topic's choice name)",
    ("es", "feedback.topic.general"): "Spanish 'General'",
    ("es", "update.no_area"): "Spanish 'general'",
    ("es", "review.field.veto"): "Spanish 'Veto'",
    ("fr", "review.field.veto"): "French 'Veto'",
    ("fr", "review.button.veto"): "French 'Veto'",
    ("es", "publish.status.wiki"): "'Wiki' is the Spanish word too",
    ("fr", "checklist.flag_on_lead"): "French 'question'",
    ("fr", "feedback.masked.mentions"): "French 'mentions'",
    ("fr", "lead.notes.title"): "French 'Notes'",
    ("fr", "lead.search.field.notes"): "French 'notes'",
    ("fr", "wiki.column.date"): "French 'Date'",
    # Quotes the title of a section of the README, which is in English only.
    ("es", "about.audience.why"): "quotes the English README's heading",
    ("fr", "about.audience.why"): "quotes the English README's heading",
    ("ar", "about.audience.why"): "quotes the English README's heading",
}


@dataclass(frozen=True)
class Entry:
    lang: str
    domain: str
    key: str
    forms: tuple[str, ...]  # one for an ordinary message, one a plural form for a plural entry

    @property
    def where(self) -> str:
        return f"bot/locales/{self.lang}/LC_MESSAGES/{self.domain}.po: {self.key!r}"


def _entries() -> Iterator[Entry]:
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        lang, domain = po.parts[-3], po.stem
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=None, domain=domain)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, list | tuple) else message.id
            strings = message.string if isinstance(message.string, list | tuple) else (message.string,)
            forms = tuple(str(s) for s in strings if s)
            if forms:
                yield Entry(lang, domain, str(key), forms)


ENTRIES = list(_entries())
ENGLISH = {(e.domain, e.key): e for e in ENTRIES if e.lang == SOURCE}
TRANSLATED = [e for e in ENTRIES if e.lang != SOURCE]


def _is_command_domain(domain: str) -> bool:
    return domain == "commands" or domain.startswith("commands_")


class _Samples(dict[str, Any]):
    """A sample value for every placeholder: a number for counts, a word for anything else."""

    def __missing__(self, name: str) -> Any:
        return 3 if name in {"count", "n", "number", "approvals", "quorum", "days", "hours"} else f"<{name}>"


def render(text: str) -> str:
    return text.format_map(_Samples())


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _sentence_words(text: str) -> list[str]:
    """The words of ``text`` once placeholders' samples, URLs, ids, markup and kept words are taken out."""
    text = re.sub(r"<\w+>", " ", text)
    text = re.sub(r"https?://\S+|`[^`]*`|<[#@&!]*\d+>|\bL-\d+\b|:\w+:", " ", text)
    words = (w.strip("-'_") for w in re.findall(r"[A-Za-z][A-Za-z_'-]*", text))
    return [w for w in words if len(w) > 1 and w.casefold() not in KEPT_WORDS]


def test_there_are_catalogs_in_every_language() -> None:
    assert {e.lang for e in ENTRIES} >= {"en", "es", "fr", "ar"}
    assert len(ENGLISH) > 100


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.lang}:{e.domain}:{e.key}")
def test_every_form_renders_with_every_placeholder_filled(entry: Entry) -> None:
    for form in entry.forms:
        rendered = render(form)
        assert not PLACEHOLDER.search(rendered), f"{entry.where}: {form!r} left a placeholder unfilled"


def test_placeholders_match_english() -> None:
    problems = []
    for entry in TRANSLATED:
        english = ENGLISH.get((entry.domain, entry.key))
        if english is None or _is_command_domain(entry.domain):
            continue
        wanted = set().union(*(placeholders(f) for f in english.forms))
        have = [placeholders(f) for f in entry.forms]
        if set().union(*have) != wanted or any(not h <= wanted for h in have):
            problems.append(f"{entry.where}: {[sorted(h) for h in have]}, English has {sorted(wanted)}")
    assert problems == []


def _left_in_english(entry: Entry, english: Entry) -> str | None:
    for form in entry.forms:
        rendered = render(form)
        words = _sentence_words(rendered)
        if not words:
            continue  # names, ids, markup, kept words: the same in every language
        if any(rendered == render(e) for e in english.forms):
            return f"same as English: {form!r}"
        found = ENGLISH_WORDS.findall(re.sub(r"<\w+>", " ", rendered))
        if found:
            return f"English words {sorted(set(found))} in {form!r}"
    return None


def test_nothing_is_left_in_english() -> None:
    problems = []
    for entry in TRANSLATED:
        english = ENGLISH.get((entry.domain, entry.key))
        if english is None or (entry.lang, entry.key) in ALLOWED:
            continue
        if _is_command_domain(entry.domain):
            # Command catalogs' ids are the English texts; a name kept as docs/design.md fixes it is fine.
            english = Entry(SOURCE, entry.domain, entry.key, (entry.key,))
        problem = _left_in_english(entry, english)
        if problem is not None:
            problems.append(f"{entry.where}: {problem}")
    assert problems == [], f"{len(problems)} messages left in English:\n" + "\n".join(problems)


def test_the_allow_list_names_only_real_messages() -> None:
    known = {(e.lang, e.key) for e in TRANSLATED}
    assert set(ALLOWED) <= known


def test_the_checks_catch_a_leftover_and_allow_names() -> None:
    english = Entry(SOURCE, "leads", "x", ("Log {partner} anyway",))
    assert _left_in_english(Entry("es", "leads", "x", ("Log {partner} anyway",)), english) is not None
    untranslated = Entry("fr", "leads", "x", ("Run the Checklist and post it",))
    assert _left_in_english(untranslated, english) is not None
    assert _left_in_english(Entry("fr", "leads", "x", ("Registrar {partner}",)), english) is None
    kept = Entry(SOURCE, "leads", "y", ("L-{id} · Europeana · `/lead show` · https://example.org",))
    assert _left_in_english(kept, kept) is None
