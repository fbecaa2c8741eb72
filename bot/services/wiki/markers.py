"""The bot's part of a wiki page: the text between two marker comments, and nothing else.

Whatever people wrote above and below the markers is kept as it is. The bot remembers a hash of what it
last wrote between them; when the text there is no longer that (someone edited inside the markers), the
bot does not overwrite it unless told to, and says why.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["create", "append", "replace", "unchanged", "hand_edited", "damaged"]


def begin(key: str) -> str:
    return f"<!-- partnerbot:begin {key}: written by the partnerships bot; edit above or below, not in between -->"


def end(key: str) -> str:
    return f"<!-- partnerbot:end {key} -->"


def _pattern(key: str) -> re.Pattern[str]:
    k = re.escape(key)
    return re.compile(
        rf"<!--\s*partnerbot:begin {k}\b[^>]*-->\n?(?P<inner>.*?)\n?<!--\s*partnerbot:end {k}\s*-->", re.S
    )


def _count(page: str, which: str, key: str) -> int:
    return len(re.findall(rf"<!--\s*partnerbot:{which} {re.escape(key)}\b[^>]*-->", page))


def fingerprint(block: str) -> str:
    """A hash of a block as the wiki keeps it (it trims trailing blanks and normalises to NFC)."""
    normal = unicodedata.normalize("NFC", block).replace("\r\n", "\n").strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Merged:
    outcome: Outcome
    #: The page's new text (None when nothing is to be written).
    text: str | None
    #: What is between the markers on the wiki now ("" when there are no markers yet).
    current: str


def merge(page: str, key: str, block: str, *, written_sha: str | None, overwrite: bool = False) -> Merged:
    """``page`` with ``block`` between ``key``'s markers.

    - No page yet: the markers and the block make the page (``create``).
    - No markers: they go at the end, after what people wrote (``append``).
    - Markers holding what the bot last wrote (or exactly ``block``): replaced (``replace``) or left
      (``unchanged``).
    - Markers holding anything else, a hand edit (or a page whose history the bot lost): left alone
      (``hand_edited``), unless ``overwrite``.
    - A marker missing, doubled or out of order (``damaged``): left alone even with ``overwrite``, since
      where the bot's part ends can no longer be told, and replacing a guess could delete people's text.
    """
    wrapped = f"{begin(key)}\n{block.strip()}\n{end(key)}"
    if not page.strip():
        return Merged("create", wrapped, "")
    begins, ends = _count(page, "begin", key), _count(page, "end", key)
    if begins == ends == 0:
        return Merged("append", f"{page.rstrip()}\n\n{wrapped}\n", "")
    found = _pattern(key).search(page)
    if begins != 1 or ends != 1 or found is None:
        return Merged("damaged", None, "")
    current = found.group("inner")
    if fingerprint(current) == fingerprint(block):
        return Merged("unchanged", None, current)
    if fingerprint(current) != written_sha and not overwrite:
        return Merged("hand_edited", None, current)
    return Merged("replace", page[: found.start()] + wrapped + page[found.end() :], current)
