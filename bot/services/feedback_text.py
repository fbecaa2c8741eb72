"""Rules for the text of anonymous feedback: mentions neutralised, email addresses and phone numbers
masked, length and emptiness checked. Pure functions; the preview and the stored text both come from
:func:`clean`, so what a member previews is exactly what is kept."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.errors import InvalidInput

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
USER_MASK = "@member"
ROLE_MASK = "@role"
CHANNEL_MASK = "#channel"
#: A zero-width space after the "@" keeps the word readable but stops Discord parsing a mention.
ZWSP = "\u200b"

# <@123>, <@!123>: a member; <@&123>: a role; <#123>: a channel. Each is an id that could name
# somebody, and in a DM would render as a live mention, so the id itself goes.
_USER_MENTION = re.compile(r"<@!?\d+>")
_ROLE_MENTION = re.compile(r"<@&\d+>")
_CHANNEL_MENTION = re.compile(r"<#\d+>")
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)

_AT = r"(?:@|\s*[\[(]\s*at\s*[\])]\s*)"
_DOT = r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)"
_EMAIL = re.compile(
    rf"[\w.%+\-]+{_AT}[\w\-]+(?:{_DOT}[\w\-]+)*{_DOT}[^\W\d_]{{2,}}",
    re.IGNORECASE,
)

# A run of digits with the separators people put in phone numbers (no line breaks).
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\b00|\()?\d[\d \t\u00a0().\-/]{5,}\d(?![\w])")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_YEAR_RANGE = re.compile(r"\d{4}\s*[-/]\s*\d{4}")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_DECIMAL = re.compile(r"\d+\.\d+")
# Control characters (C0, DEL, C1) except tab and line feed. A NUL in particular would cut the text
# short for SQLite's length() and for many readers; carriage returns become line feeds first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NEWLINE = re.compile(r"\r\n?")


@dataclass(frozen=True)
class CleanText:
    """Text ready to preview and store, and what was changed on the way."""

    text: str
    emails: int = 0
    phones: int = 0
    mentions: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.emails or self.phones or self.mentions)


def neutralise_mentions(text: str) -> tuple[str, int]:
    """Replace member, role and channel mentions and break @everyone / @here. Returns (text, count)."""
    count = 0

    def sub(pattern: re.Pattern[str], replacement: str, value: str) -> str:
        nonlocal count
        value, n = pattern.subn(replacement, value)
        count += n
        return value

    text = sub(_USER_MENTION, USER_MASK, text)
    text = sub(_ROLE_MENTION, ROLE_MASK, text)
    text = sub(_CHANNEL_MENTION, CHANNEL_MASK, text)
    text, n = _MASS_MENTION.subn(lambda m: "@" + ZWSP + m.group(1), text)
    return text, count + n


def mask_emails(text: str) -> tuple[str, int]:
    return _EMAIL.subn(EMAIL_MASK, text)


def _looks_like_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 7 <= digits <= 15:
        return False
    if candidate.startswith(("+", "00")):
        return True
    bare = candidate.strip("()")
    for pattern in (_DATE, _YEAR_RANGE, _THOUSANDS, _DECIMAL):
        if pattern.fullmatch(bare):
            return False
    # A plain number without separators is more likely an amount or a reference than a phone
    # number unless it is long enough to be a full national number.
    return not (candidate.isdigit() and digits < 9)


def mask_phones(text: str) -> tuple[str, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        value = match.group(0)
        # Trailing separators are not part of the number ("call 0612345678 .").
        core = value.rstrip(" \t\u00a0.-/(")
        if _looks_like_phone(core):
            count += 1
            return PHONE_MASK + value[len(core) :]
        return value

    return _PHONE_CANDIDATE.sub(replace, text), count


def is_blank(text: str) -> bool:
    """True when ``text`` has nothing visible: only spaces, control or formatting characters."""
    return all(unicodedata.category(ch)[0] in "ZC" for ch in text)


def strip_controls(text: str) -> str:
    """``text`` without control characters; line breaks (as ``\\n``) and tabs are kept."""
    return _CONTROL.sub("", _NEWLINE.sub("\n", text))


def clean(raw: str, *, max_length: int) -> CleanText:
    """The text as it will be previewed and stored.

    Control characters go (line breaks and tabs stay), then surrounding whitespace.

    Raises :class:`InvalidInput` ``feedback.empty`` when nothing visible is left and
    ``feedback.too_long`` (with ``limit`` and ``length``) when the result is over ``max_length``.
    Idempotent: cleaning cleaned text changes nothing.
    """
    text = strip_controls(unicodedata.normalize("NFC", raw or "")).strip()
    if is_blank(text):
        raise InvalidInput("feedback.empty")
    text, mentions = neutralise_mentions(text)
    text, emails = mask_emails(text)
    text, phones = mask_phones(text)
    if len(text) > max_length:
        raise InvalidInput("feedback.too_long", limit=max_length, length=len(text))
    return CleanText(text=text, emails=emails, phones=phones, mentions=mentions)
