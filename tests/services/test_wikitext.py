"""Wikitext that does nothing: each kind of MediaWiki markup a member could type comes out inert, and the
text a wiki would show (its character references decoded) is the text typed, for any text."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.leads.export_formats import wiki_cell
from bot.services.wikitext import MAGIC_LINK_KEYWORDS, URL_PROTOCOLS, inert

#: What a wiki displays for a piece of wikitext that holds no markup: its character references decoded.
shown = html.unescape

#: Markup that must not survive, each as MediaWiki's parser would find it in raw wikitext.
LIVE: dict[str, re.Pattern[str]] = {
    "magic word (behaviour switch)": re.compile(r"__"),
    "magic link": re.compile("|".join(MAGIC_LINK_KEYWORDS), re.IGNORECASE),
    "free external link": re.compile("|".join(re.escape(p) for p in URL_PROTOCOLS), re.IGNORECASE),
    "template, parser function or variable": re.compile(r"\{"),
    "link": re.compile(r"\["),
    "table syntax": re.compile(r"[|!]"),
    "signature": re.compile(r"~"),
    "bold or italics": re.compile(r"''"),
    "tag or comment": re.compile(r"<"),
    "entity of the member's own": re.compile(r"&(?!amp;|lt;|gt;|#\d+;)"),
    "line break": re.compile(r"[\r\n]"),
}


def live_markup(wikitext: str) -> list[str]:
    return [kind for kind, pattern in LIVE.items() if pattern.search(wikitext)]


@pytest.mark.parametrize(
    "text",
    [
        "__NOTOC__",
        "__NOINDEX__",
        "__TOC__ __FORCETOC__ __NOEDITSECTION__ __HIDDENCAT__ __DISAMBIG__ __EXPECTUNUSEDCATEGORY__",
        "__AUCUNSOMMAIRE__",  # a behaviour switch in French: any __WORD__ is one somewhere
        "__لافهرس__",
        "___three___ and ____four____",
        "snake_case_names stay_as_they_are",
    ],
)
def test_magic_words_are_inert(text: str) -> None:
    out = inert(text)
    assert "__" not in out and live_markup(out) == []
    assert shown(out) == text


def test_single_underscores_and_slashes_are_left_as_typed() -> None:
    assert inert("snake_case and a/b") == "snake_case and a/b"


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 978-3-16-148410-0",
        "ISBN 0-306-40615-2",
        "ISBN\u00a0978 3 16 148410 0",
        "ISBN\t0306406152",
        "RFC 1234",
        "RFC\u20032616",
        "PMID 123",
        "see RFC 1234, PMID 99 and ISBN 9783161484100.",
        "isbn 978-3-16-148410-0 rfc 1 pmid 2",
    ],
)
def test_magic_links_are_inert(text: str) -> None:
    out = inert(text)
    assert live_markup(out) == [] and shown(out) == text


@pytest.mark.parametrize("protocol", URL_PROTOCOLS)
def test_every_default_url_protocol_is_inert(protocol: str) -> None:
    for text in (f"{protocol}evil.example/x", f"see {protocol.upper()}evil.example/x?a=b&c=d#top"):
        out = inert(text)
        assert live_markup(out) == [], (text, out)
        assert shown(out) == text


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/x",
        "http://evil.example",
        "//example",
        "//example.org/path",
        "mailto:someone@example.org",
        "ftp://files.example.org/a",
        "tel:+15550100",
        "urn:isbn:0451450523",
        "irc://irc.libera.chat/wikimedia",
        "[https://evil.example spam]",
        "[//example.org protocol-relative]",
        "(https://evil.example/x)",
        "wss://custom.example:8080",  # not a default protocol, but a wiki may add it
    ],
)
def test_bare_urls_and_free_external_links_are_inert(text: str) -> None:
    out = inert(text)
    assert live_markup(out) == [] and ":" not in out and "//" not in out
    assert shown(out) == text


@pytest.mark.parametrize(
    "text",
    [
        "{{Infobox organization}}",
        "{{#invoke:Module|main}} {{PAGENAME}} {{{1}}}",
        "[[Wikipedia:Partnerships|partners]] [[Category:Spam]]",
        "{| class=wikitable\n|-\n| a || b\n|}",
        "! header !! other",
        "~~~ ~~~~ ~~~~~",
        "'''bold''' ''italic''",
        "<nowiki>x</nowiki> <ref>y</ref> <!-- hidden --> <script>alert(1)</script>",
        "&amp; &nbsp; &#124; &lt;",
        "-{zh-hans:a;zh-hant:b}-",
        "== Heading ==\n* list\n# numbered\n: indent\n; term\n----\n pre",
        "=HYPERLINK(\"http://evil\")|{{Template}} [[Link]] ~~~~ '''bold''' <nowiki>&amp;",
    ],
)
def test_markup_kept_inert_as_before(text: str) -> None:
    out = inert(text)
    assert live_markup(out) == []
    assert shown(out) == text.replace("\n", " ")


def test_line_breaks_become_spaces() -> None:
    assert inert("one\ntwo\r\nthree\rfour") == "one two  three four"


def test_wiki_cell_writes_none_as_empty_and_anything_else_as_its_text() -> None:
    assert wiki_cell(None) == ""
    assert wiki_cell(42) == "42"
    assert wiki_cell("__NOTOC__ https://x.example") == inert("__NOTOC__ https://x.example")


#: Pieces that hypothesis combines with arbitrary text: each kind of markup, and its near misses.
PIECES = [
    "__", "_", "NOTOC", "ISBN", "RFC", "PMID", " ", "\u00a0", "978-3-16-148410-0", "1234", "https://", "//",
    "/", ":", "mailto:", "geo:", "HTTP://", "{{", "}}", "[[", "]]", "[", "]", "|", "||", "!!", "~~~~", "''",
    "<", ">", "&", "&amp;", "&#95;", "&nbsp;", ";", "#", "=", "-{", "}-", "\n", "\r\n", "é", "ك", "🦆",
]  # fmt: skip
TEXT = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(TEXT)
def test_round_trip_the_wiki_shows_what_was_typed_and_nothing_comes_alive(text: str) -> None:
    out = inert(text)
    assert shown(out) == text.replace("\r", " ").replace("\n", " ")
    assert live_markup(out) == [], (text, out)
    assert inert(text) == out  # pure: the same text, the same wikitext
