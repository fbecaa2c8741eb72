"""Dates, times and numbers worded for a reader, with Babel (CLDR), in the language of their locale.

What Discord shows itself (``<t:...>`` stamps) needs none of this: a client words those for its reader.
This is for everything else a person reads: the sandbox's rendering of stamps and of when messages were
posted, and any human-readable date the bot writes out. Machine formats (CSV/JSON ISO dates, the wiki's
sortable ISO dates, file names) stay ISO and do not come here.

A locale is a Discord locale (``en-US``, ``es-ES``, ``fr``, ``ar``, a ``discord.Locale``). As with
:func:`bot.i18n.t`, a language the bot does not ship is read in English, so a sentence and the dates in it
are in the same language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, format_timedelta

from bot.i18n import SOURCE, language_of

#: "now" for a relative time under a minute (CLDR's "second, 0" relative field), by language.
_NOW = {"en": "now", "es": "ahora", "fr": "maintenant", "ar": "الآن"}


def babel_locale(locale: object) -> Locale:
    """The Babel locale for a Discord locale: its region kept where Babel knows it (``en-GB`` dates read
    ``5 Jan 2026``, ``en-US`` ones ``Jan 5, 2026``), its language alone otherwise, English when the bot
    does not ship its language."""
    value = getattr(locale, "value", locale)
    return _babel_locale(str(value) if value else SOURCE)


@lru_cache(maxsize=64)
def _babel_locale(value: str) -> Locale:
    lang = language_of(value)
    if lang != value.replace("_", "-").split("-")[0].lower():
        return Locale.parse("en_US")  # not shipped: read in English, as its sentences are
    try:
        return Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(lang)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def format_when(when: datetime, locale: object, *, zone: bool = True) -> str:
    """A moment in UTC, day and time: ``Mon, Jan 5, 2026, 9:00 AM UTC``, ``lun, 5 ene 2026, 9:00 UTC``."""
    loc = babel_locale(locale)
    when = _utc(when)
    day = format_skeleton("yMMMEd", when, locale=loc)
    clock = format_time(when, "short", tzinfo=UTC, locale=loc)
    text = str(loc.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)
    return f"{text} UTC" if zone else text


#: Discord's timestamp styles (``<t:unix:style>``) as Babel formats: what a client shows for each.
def format_stamp(when: datetime, style: str | None, locale: object) -> str:
    """A ``<t:unix:style>`` stamp as a client in ``locale`` shows it (in UTC, the sandbox's zone)."""
    loc = babel_locale(locale)
    when = _utc(when)
    if style == "t":
        return format_time(when, "short", tzinfo=UTC, locale=loc)
    if style == "T":
        return format_time(when, "medium", tzinfo=UTC, locale=loc)
    if style == "d":
        return format_skeleton("yMd", when, locale=loc)
    if style == "D":
        return format_date(when.date(), "long", locale=loc)
    return format_when(when, locale)


def format_relative(when: datetime, now: datetime, locale: object) -> str:
    """``<t:...:R>`` as a client shows it: ``in 3 days``, ``hace 2 horas``, ``dans 3 jours``."""
    delta = _utc(when) - _utc(now)
    if abs(delta) < timedelta(minutes=1):
        return _NOW.get(language_of(locale), _NOW[SOURCE])
    # threshold=1: a unit is used once there is at least one whole of it (23 hours stay hours).
    return format_timedelta(delta, threshold=1, add_direction=True, locale=babel_locale(locale))
