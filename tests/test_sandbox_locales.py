"""The sandbox in every shipped language: the tour's English clicks press the translated buttons, dates read
in the member's language, and a language the bot has no translation for is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n.dates import format_relative, format_stamp, format_when
from bot.sandbox import SandboxError, run_script
from bot.sandbox._labels import english_of, matches

REPO = Path(__file__).resolve().parents[1]
TOUR = (REPO / "examples" / "tour.txt").read_text(encoding="utf-8").splitlines()
MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("locale", ["en-US", "es-ES", "fr", "ar"])
def test_the_tour_runs_cleanly_in_every_language(tmp_path: Path, locale: str) -> None:
    transcript = asyncio.run(run_script(TOUR, workdir=tmp_path, locale=locale))
    hints = [line for line in transcript.splitlines() if line.startswith("!")]
    assert hints == []
    # The second lead is logged (its *Log anyway* pressed in the member's language) and is the one vetoed.
    assert "L-2" in transcript
    veto = transcript.split('modal rationale:"Same partner', 1)[1].split("\n\n", 1)[0]
    assert "L-2" in veto and "L-1" not in veto.split("\n", 1)[1]
    # The dates the sandbox words (here, its clock after `wait 72h`) are in the member's language.
    assert f"(it is now {format_when(datetime(2026, 1, 8, 8, 0, tzinfo=UTC), locale)})" in transcript


def test_a_language_without_a_translation_is_refused(tmp_path: Path) -> None:
    ran = asyncio.run(run_script(["locale de", "whoami", "locale es-ES", "whoami"], workdir=tmp_path))
    refused = ran.split("alice> locale de", 1)[1]
    assert refused.lstrip().startswith("! the bot has no translation for 'de'; the supported locales are en-US")
    assert "es-ES" in refused and "fr" in refused and "ar" in refused
    assert "alice (en-US)" in ran and "alice (es-ES)" in ran
    with pytest.raises(SandboxError, match="no translation for 'de'"):
        asyncio.run(run_script([], workdir=tmp_path, locale="de"))


def test_labels_are_known_by_their_english() -> None:
    assert "Log anyway" in english_of("Registrar de todos modos")
    assert matches("log anyway", "Enregistrer quand même")
    assert matches("Log anyway", "Log anyway") and not matches("Cancel", "Log anyway")


@pytest.mark.parametrize(
    ("locale", "when", "relative"),
    [
        ("en-GB", "Mon, 5 Jan 2026, 09:00 UTC", "in 3 days"),
        ("es-ES", "lun, 5 ene 2026, 9:00 UTC", "dentro de 3 días"),
        ("fr", "lun. 5 janv. 2026, 09:00 UTC", "dans 3 jours"),
        ("ar", "الاثنين، 5 يناير 2026، 9:00 ص UTC", "خلال 3 أيام"),
        ("de", "Mon, Jan 5, 2026, 9:00\u202fAM UTC", "in 3 days"),  # no German catalog: English throughout
    ],
)
def test_dates_are_worded_in_the_readers_language(locale: str, when: str, relative: str) -> None:
    assert format_when(MONDAY, locale) == when
    assert format_stamp(MONDAY, "f", locale) == when
    assert format_relative(MONDAY.replace(day=8), MONDAY, locale) == relative
