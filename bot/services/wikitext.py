"""Text a MediaWiki page shows exactly as it was typed, never as markup: :func:`inert`. Pure, so the export's
wikitext table and anything that later publishes to a wiki write member-supplied text the same way.

Every character or sequence that could start markup is written as an HTML character reference, which
MediaWiki leaves alone while parsing and the browser then shows as the character itself:

- table syntax (``|``, ``!``), templates and parser functions (``{{ }}``), links (``[[ ]]``, ``[ ]``),
  signatures (``~~~~``), bold and italics (``''``), tags and comments (``<``, ``>``) and entities (``&``);
- behaviour switches (magic words such as ``__NOTOC__``, in any language): every run of underscores;
- magic links (``ISBN 978-...``, ``RFC 1234``, ``PMID 123``): the first letter of each keyword;
- free external links: the parser links any of ``$wgUrlProtocols`` (``https://``, ``mailto:``, ``tel:``,
  ``urn:``...), a wiki may add its own, and every one of them ends in ``:`` except ``//``: every colon,
  and every run of slashes.

Line breaks become spaces: the result is one line of inline text (a table cell, a sentence), where list,
heading, rule and preformatted markup, which need the start of a line, cannot begin.
"""

from __future__ import annotations

import re

#: MediaWiki's default ``$wgUrlProtocols``: what a wiki links without brackets (``//`` only in brackets).
URL_PROTOCOLS = (
    "bitcoin:", "ftp://", "ftps://", "geo:", "git://", "gopher://", "http://", "https://", "irc://", "ircs://",
    "magnet:", "mailto:", "matrix:", "mms://", "news:", "nntp://", "redis://", "sftp://", "sip:", "sips:", "sms:",
    "ssh://", "svn://", "tel:", "telnet://", "urn:", "worldwind://", "xmpp:", "//",
)  # fmt: skip
#: The keywords of MediaWiki's magic links (the parser matches them case-sensitively; any case is escaped).
MAGIC_LINK_KEYWORDS = ("ISBN", "RFC", "PMID")

_SINGLE = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "!": "&#33;",
    "{": "&#123;",
    "}": "&#125;",
    "[": "&#91;",
    "]": "&#93;",
    "~": "&#126;",
    "'": "&#39;",
    ":": "&#58;",
    "\r": " ",
    "\n": " ",
}
_MARKUP = re.compile(
    "_{2,}|/{2,}|" + "|".join(MAGIC_LINK_KEYWORDS) + "|[" + re.escape("".join(_SINGLE)) + "]",
    re.IGNORECASE,
)


def _reference(char: str) -> str:
    return f"&#{ord(char)};"


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if found in _SINGLE:
        return _SINGLE[found]
    if found[0] in "_/":
        return "".join(_reference(c) for c in found)
    return _reference(found[0]) + found[1:]  # a magic link keyword: "&#73;SBN" is no longer one


def inert(text: str) -> str:
    """``text`` as wikitext that displays as ``text`` (line breaks as spaces) and does nothing else."""
    return _MARKUP.sub(_escape, text)
