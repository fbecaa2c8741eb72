"""What the bot writes on the wiki, and how it keeps to its part of a page (no wiki needed here: the real
MediaWiki tests are in tests/wiki/)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import ConfigError, LeadsSettings, WikiSettings, parse_settings
from bot.db import Database
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.register import edit_lead
from bot.services.leads.service import log_lead
from bot.services.wiki import blocks, content, markers

GUILD = 5
WG = Access.WORKING_GROUP
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


async def _lead(db: Database, partner: str, *, visibility: str = "public", **fields: str) -> leads.Lead:
    draft = leads.LeadDraft(partner=partner, level="global", direction="external", visibility=visibility, **fields)
    result = await log_lead(db, GUILD, draft, owner_id=7, now=NOW, settings=LeadsSettings(), check_duplicates=False)
    assert result.lead is not None
    return result.lead


async def test_the_register_lists_public_leads_only_and_makes_their_text_inert(db: Database) -> None:
    await _lead(db, "Europeana", sector="GLAM")
    await _lead(db, "Secret Foundation", visibility="wg")
    await _lead(db, "{{Template}} [[Link]] __NOTOC__ https://evil.example ~~~~")
    text = (await blocks(db, GUILD, "en"))["register"]
    assert "Europeana" in text and "GLAM" in text and "2026-03-02" in text
    assert "Secret Foundation" not in text
    assert "{{" not in text and "[[" not in text and "__NOTOC__" not in text and "https://" not in text
    assert "~~~~" not in text
    assert text.count("|-") == 2
    assert '{| class="wikitable sortable"' in text
    assert "! Partner !! Level !! Direction !! Sector !! Tier !! Entity !! Status !! Since" in text


async def test_decisions_carry_the_date_and_written_rationale_without_names_unless_asked(db: Database) -> None:
    lead = await _lead(db, "Biblioteca Nacional")
    for status in ("assessing", "declined"):
        note = "Out of scope for this year" if status == "declined" else None
        await leads.transition(db, GUILD, lead.id, status, actor_id=9, actor_access=WG, note=note, now=NOW)
    hidden = await _lead(db, "Hidden", visibility="wg")
    await leads.transition(
        db, GUILD, hidden.id, "declined", actor_id=9, actor_access=WG, note="private reason", now=NOW
    )
    text = (await blocks(db, GUILD, "en"))["decisions"]
    assert "Biblioteca Nacional" in text and "declined" in text and "Out of scope for this year" in text
    assert "private reason" not in text and "Hidden" not in text
    assert "Reviewers" not in text
    named = content.decisions_text(await content.decisions(db, GUILD), "en", names=lambda member: f"member {member}")
    assert "Reviewers" in named


async def test_the_pages_speak_the_configured_language(db: Database) -> None:
    await _lead(db, "Europeana")
    text = (await blocks(db, GUILD, "fr"))["register"]
    assert "Partenaire" in text and "Depuis" in text


def test_markers_keep_what_people_wrote_around_them() -> None:
    created = markers.merge("", "register", "TABLE v1", written_sha=None)
    assert created.outcome == "create" and created.text is not None
    page = "Intro written by people.\n\n" + created.text + "\n\nFooter by people."
    same = markers.merge(page, "register", "TABLE v1", written_sha=markers.fingerprint("TABLE v1"))
    assert same.outcome == "unchanged" and same.text is None
    updated = markers.merge(page, "register", "TABLE v2", written_sha=markers.fingerprint("TABLE v1"))
    assert updated.outcome == "replace" and updated.text is not None
    assert updated.text.startswith("Intro written by people.") and updated.text.endswith("Footer by people.")
    assert "TABLE v2" in updated.text and "TABLE v1" not in updated.text
    appended = markers.merge("Only people's text.", "register", "TABLE", written_sha=None)
    assert appended.outcome == "append" and appended.text is not None
    assert appended.text.startswith("Only people's text.") and markers.begin("register") in appended.text


def test_a_hand_edit_inside_the_markers_is_left_alone_unless_overwritten() -> None:
    page = markers.merge("", "decisions", "TABLE v1", written_sha=None).text or ""
    edited = page.replace("TABLE v1", "TABLE v1 plus a human remark")
    kept = markers.merge(edited, "decisions", "TABLE v2", written_sha=markers.fingerprint("TABLE v1"))
    assert kept.outcome == "hand_edited" and kept.text is None
    forced = markers.merge(edited, "decisions", "TABLE v2", written_sha=markers.fingerprint("TABLE v1"), overwrite=True)
    assert forced.outcome == "replace" and forced.text is not None and "human remark" not in forced.text
    # The wiki trims trailing blanks and normalises to NFC: not a hand edit.
    assert markers.fingerprint("Cafe\u0301 \n") == markers.fingerprint("Café")


def test_the_wiki_section_is_checked_like_the_rest_of_the_config() -> None:
    base = (
        "guild_id: 1\nroles: {working_group: 2, reviewers: 7}\n"
        "channels: {leads: 3, checklists: 4, announcements: 5, digest: 6}\n"
    )
    for bad, words in [
        ("wiki: {api_url: 'https://wiki.example.org/w/index.php', user: 'A@b'}", "api.php"),
        ("wiki: {api_url: 'https://wiki.example.org/w/api.php', user: 'no-at-sign'}", "wiki.user"),
        ("wiki: {api_url: 'https://wiki.example.org/w/api.php', user: 'A@b', schedule: 'often'}", "cron"),
        ("wiki: {api_url: 'https://wiki.example.org/w/api.php', user: 'A@b', timezone: 'Mars/Olympus'}", "IANA"),
        ("wiki: {api_url: 'https://w.org/api.php', user: 'A@b', pages: {register: X, decisions: X}}", "two different"),
    ]:
        with pytest.raises(ConfigError) as err:
            parse_settings(base + bad, source="config.yaml")
        assert words in str(err.value), str(err.value)
    ok = parse_settings(base + "wiki: {api_url: 'https://w.org/w/api.php', user: 'A@b'}", source="config.yaml")
    assert isinstance(ok.wiki, WikiSettings) and ok.wiki.pages.register_page == "Partnerships/Register"
    assert parse_settings(base, source="config.yaml").wiki is None


def test_a_missing_doubled_or_reversed_marker_leaves_the_page_alone_even_when_told_to_overwrite() -> None:
    page = markers.merge("", "register", "TABLE v1", written_sha=None).text or ""
    sha = markers.fingerprint("TABLE v1")
    no_end = "Intro.\n" + page.replace(markers.end("register"), "") + "\nPeople's footer."
    doubled = page + "\n\n" + page
    reversed_ = markers.end("register") + "\nPeople's text\n" + markers.begin("register")
    for damaged in (no_end, doubled, reversed_):
        for overwrite in (False, True):
            merged = markers.merge(damaged, "register", "TABLE v2", written_sha=sha, overwrite=overwrite)
            assert merged.outcome == "damaged" and merged.text is None
    # The other page's markers do not count for this one.
    other = markers.merge("", "decisions", "X", written_sha=None).text or ""
    assert markers.merge(other, "register", "T", written_sha=None).outcome == "append"


def test_control_characters_are_written_as_the_wiki_would_store_them() -> None:
    row = content.RegisterRow(1, "Odd\x1fname\ufdd0", "global", "external", None, None, None, "logged", NOW.date())
    text = content.register_text([row], "en")
    assert "\x1f" not in text and "\ufdd0" not in text and "Odd name " in text


async def test_a_decision_made_before_the_lead_was_made_public_is_not_published(db: Database) -> None:
    lead = await _lead(db, "Formerly Private", visibility="wg")
    for status in ("assessing", "declined"):
        note = "a reason meant for the working group only" if status == "declined" else None
        await leads.transition(db, GUILD, lead.id, status, actor_id=9, actor_access=WG, note=note, now=NOW)
    await edit_lead(db, GUILD, lead.id, "visibility", "public", actor_id=9, now=NOW, settings=LeadsSettings())
    text = (await blocks(db, GUILD, "en"))["decisions"]
    assert "meant for the working group only" not in text and "Formerly Private" not in text
    assert "Formerly Private" in (await blocks(db, GUILD, "en"))["register"]  # the lead itself is public now
