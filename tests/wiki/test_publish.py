"""Publishing the register and the decisions, against a real MediaWiki (tests/wiki/conftest.py).

The wiki is read back through its API by the fixture's own HTTP client, never through the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import LeadsSettings, WikiSettings
from bot.db import Database
from bot.services import digest, leads, wiki
from bot.services.access import Access
from bot.services.leads.service import log_lead
from bot.services.wiki import markers
from bot.services.wiki.client import WikiClient
from bot.sim import Sim
from tests.cogs.test_leads_review import open_review
from tests.cogs.test_leads_support import lead_of
from tests.wiki.conftest import MediaWiki

GUILD = 5
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
PASSWORD_ENV = "PB_TEST_WIKI_PASSWORD"


@pytest.fixture
def wiki_env(mediawiki: MediaWiki, monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaWiki]:
    monkeypatch.setenv(PASSWORD_ENV, mediawiki.bot_password)
    yield mediawiki


def settings_for(mw: MediaWiki, **overrides: Any) -> WikiSettings:
    raw: dict[str, Any] = {
        "api_url": mw.api_url,
        "user": mw.bot_user,
        "password_env": PASSWORD_ENV,
        "pages": {"register": mw.unique_title("Partnerships/Register"), "decisions": mw.unique_title("Decisions")},
    }
    raw.update(overrides)
    return WikiSettings.model_validate(raw)


def no_retries(settings: WikiSettings, password: str) -> WikiClient:
    return WikiClient(settings.api_url, settings.user, password, retries=0, timeout=5)


async def run(db: Database, settings: WikiSettings, **kwargs: Any) -> wiki.RunReport:
    kwargs.setdefault("client", no_retries)
    locale = settings.locale or "en"
    return await wiki.publish(db, GUILD, settings, locale=locale, now=kwargs.pop("now", NOW), **kwargs)


async def public_lead(db: Database, partner: str, **fields: Any) -> leads.Lead:
    fields.setdefault("visibility", "public")
    draft = leads.LeadDraft(partner=partner, level="national", direction="external", **fields)
    result = await log_lead(db, GUILD, draft, owner_id=7, now=NOW, settings=LeadsSettings(), check_duplicates=False)
    assert result.lead is not None
    return result.lead


async def decline(db: Database, lead: leads.Lead, reason: str) -> None:
    for status, note in (("assessing", None), ("declined", reason)):
        await leads.transition(
            db, GUILD, lead.id, status, actor_id=9, actor_access=Access.WORKING_GROUP, note=note, now=NOW
        )


# -- the service against the wiki ----------------------------------------------------------------------
async def test_first_run_creates_both_pages_as_bot_edits_and_a_second_run_edits_nothing(
    db: Database, wiki_env: MediaWiki
) -> None:
    settings = settings_for(wiki_env)
    await public_lead(db, "Europeana", sector="GLAM")
    await public_lead(db, "Kept Private", visibility="wg")
    report = await run(db, settings)
    assert report.failure is None and [p.outcome for p in report.pages] == ["create", "create"]
    register = wiki_env.page_text(settings.pages.register_page)
    assert register is not None
    assert markers.begin("register") in register and markers.end("register") in register
    assert '{| class="wikitable sortable"' in register and "Europeana" in register and "GLAM" in register
    assert "Kept Private" not in register
    [revision] = wiki_env.revisions(settings.pages.register_page)
    assert revision.bot is True and revision.user == "Admin"
    assert revision.comment == "Partnerships bot: register updated (rows added: 1, removed: 0)"
    again = await run(db, settings, now=NOW + timedelta(days=1))
    assert [p.outcome for p in again.pages] == ["unchanged", "unchanged"]
    assert len(wiki_env.revisions(settings.pages.register_page)) == 1  # no edit when nothing changed
    assert len(wiki_env.revisions(settings.pages.decisions)) == 1


async def test_what_people_wrote_around_the_markers_is_kept(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    title = settings.pages.register_page
    wiki_env.edit_as_human(title, "== Partnerships ==\nWritten by people, above the table.", summary="intro")
    await public_lead(db, "Europeana")
    first = await run(db, settings)
    assert first.pages[0].outcome == "append"
    page = wiki_env.page_text(title) or ""
    wiki_env.edit_as_human(title, page + "\n\nA footnote by people, below the table.")
    await public_lead(db, "Wikimedia Deutschland")
    second = await run(db, settings, now=NOW + timedelta(hours=1))
    assert second.pages[0].outcome == "replace"
    text = wiki_env.page_text(title) or ""
    assert text.startswith("== Partnerships ==\nWritten by people, above the table.")
    assert text.rstrip().endswith("A footnote by people, below the table.")
    assert "Europeana" in text and "Wikimedia Deutschland" in text
    assert wiki_env.latest_revision(title).comment.endswith("(rows added: 1, removed: 0)")  # type: ignore[union-attr]


async def test_decisions_show_the_date_and_the_written_reason(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    lead = await public_lead(db, "Museo del Prado")
    await decline(db, lead, "Their open-access policy excludes the collection we care about")
    await run(db, settings)
    text = wiki_env.page_text(settings.pages.decisions) or ""
    assert "Museo del Prado" in text and "declined" in text and "2026-03-02" in text
    assert "Their open-access policy excludes the collection we care about" in text
    register = wiki_env.page_text(settings.pages.register_page) or ""
    assert "Museo del Prado" in register and "declined" in register


async def test_a_hand_edit_inside_the_markers_is_not_overwritten_and_is_reported(
    db: Database, wiki_env: MediaWiki
) -> None:
    settings = settings_for(wiki_env)
    title = settings.pages.register_page
    await public_lead(db, "Europeana")
    await run(db, settings)
    page = wiki_env.page_text(title) or ""
    edited = page.replace("Europeana", "Europeana (see the talk page)")
    wiki_env.edit_as_human(title, edited)
    await public_lead(db, "Biblioteca Nacional")
    report = await run(db, settings, now=NOW + timedelta(hours=1))
    assert report.pages[0].outcome == "hand_edited" and report.failure is None
    assert "(see the talk page)" in (wiki_env.page_text(title) or "")
    assert "Biblioteca Nacional" not in (wiki_env.page_text(title) or "")
    state = await wiki.status(db, GUILD)
    assert [p.problem for p in state.pages if p.key == "register"] == ["hand_edited"]
    content = await digest.collect(
        db, GUILD, NOW - timedelta(days=7), NOW + timedelta(days=1), now=NOW, stale_days=30, wiki=True
    )
    body = "\n".join(entry for section in digest.render(content, "en").sections for entry in section.entries)
    assert f"The wiki page {title} was edited by hand inside the bot's markers" in body
    # Told to, the bot replaces its part (and the problem is gone).
    forced = await run(db, settings, now=NOW + timedelta(hours=2), overwrite=True)
    assert forced.pages[0].outcome == "replace"
    text = wiki_env.page_text(title) or ""
    assert "Biblioteca Nacional" in text and "(see the talk page)" not in text
    assert [p.problem for p in (await wiki.status(db, GUILD)).pages if p.key == "register"] == [None]


async def test_an_edit_between_reading_and_writing_is_never_lost(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    title = settings.pages.register_page
    await public_lead(db, "Europeana")
    await run(db, settings)
    await public_lead(db, "Wikidata")

    class Racing(WikiClient):
        """Someone saves the page (inside the markers) right after the bot read it."""

        raced = False

        def write(self, title_: str, text: str, summary: str) -> int:
            if not Racing.raced:
                Racing.raced = True
                current = wiki_env.page_text(title_) or ""
                wiki_env.edit_as_human(title_, current.replace("Europeana", "Europeana!"))
            return super().write(title_, text, summary)

    def racing(s: WikiSettings, password: str) -> WikiClient:
        return Racing(s.api_url, s.user, password, retries=0)

    report = await run(db, settings, now=NOW + timedelta(hours=1), client=racing)
    assert Racing.raced
    # The conflict was refused by the wiki; read again, the page now holds a hand edit: left alone.
    assert report.pages[0].outcome == "hand_edited"
    assert "Europeana!" in (wiki_env.page_text(title) or "")


async def test_a_title_in_another_script(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(
        wiki_env,
        pages={
            "register": wiki_env.unique_title("شراكات/سجل"),
            "decisions": wiki_env.unique_title("Partenariats/Décisions"),
        },
        locale="ar",
    )
    await public_lead(db, "مكتبة الإسكندرية")
    report = await run(db, settings)
    assert report.failure is None
    text = wiki_env.page_text(settings.pages.register_page) or ""
    assert "مكتبة الإسكندرية" in text and "الشريك" in text


async def test_a_wiki_that_is_down_fails_the_run_not_the_bot(db: Database, wiki_env: MediaWiki) -> None:
    down = settings_for(wiki_env, api_url="http://127.0.0.1:9/api.php")
    report = await run(db, down)
    assert report.failure is not None and "could not connect to the wiki" in report.failure
    again = await run(db, down, now=NOW + timedelta(hours=1))
    assert again.failure is not None
    state = await wiki.status(db, GUILD)
    assert state.failing_since == NOW and state.last_run_at == NOW + timedelta(hours=1)
    content = await digest.collect(
        db, GUILD, NOW - timedelta(days=7), NOW + timedelta(days=1), now=NOW, stale_days=30, wiki=True
    )
    body = "\n".join(entry for section in digest.render(content, "en").sections for entry in section.entries)
    assert "Publishing on the wiki has failed since" in body and "could not connect" in body
    fine = await run(db, settings_for(wiki_env), now=NOW + timedelta(hours=2))
    assert fine.failure is None and (await wiki.status(db, GUILD)).failing_since is None


async def test_a_refused_login_and_a_missing_password(db: Database, wiki_env: MediaWiki, monkeypatch: Any) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong-" + wiki_env.bot_password)
    report = await run(db, settings_for(wiki_env))
    assert report.failure is not None and "refused the login of Admin@partnerbot" in report.failure
    monkeypatch.delenv(PASSWORD_ENV)
    report = await run(db, settings_for(wiki_env))
    assert report.failure is not None and f"{PASSWORD_ENV}" in report.failure and "not set" in report.failure


async def test_a_lagged_or_read_only_wiki_is_waited_for_not_written(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    await public_lead(db, "Europeana")
    with wiki_env.lagging(30):
        report = await run(db, settings)
    assert report.failure is not None and "busy or lagged" in report.failure
    assert wiki_env.page_text(settings.pages.register_page) is None
    with wiki_env.read_only("maintenance"):
        report = await run(db, settings, now=NOW + timedelta(hours=1))
    assert report.failure is not None and "read-only" in report.failure
    report = await run(db, settings, now=NOW + timedelta(hours=2))
    assert report.failure is None and "Europeana" in (wiki_env.page_text(settings.pages.register_page) or "")


async def test_a_dry_run_shows_the_diff_and_writes_nothing(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    await public_lead(db, "Europeana")
    report = await run(db, settings, dry_run=True)
    assert report.dry_run and [p.outcome for p in report.pages] == ["create", "create"]
    assert "+| Europeana" in report.pages[0].diff
    assert wiki_env.page_text(settings.pages.register_page) is None
    assert (await wiki.status(db, GUILD)).last_run_at is None


# -- through bot/sim: a decision in Discord reaches the wiki --------------------------------------------
def sim_config(mw: MediaWiki) -> dict[str, Any]:
    return {
        "wiki": {
            "api_url": mw.api_url,
            "user": mw.bot_user,
            "password_env": PASSWORD_ENV,
            "pages": {"register": mw.unique_title("Register"), "decisions": mw.unique_title("Decisions")},
            "debounce_minutes": 10,
            "schedule": "0 6 1 1 *",  # once a year: only the first pass and the changes publish here
        }
    }


async def test_a_lead_approved_in_discord_shows_up_on_the_wiki(sim_factory: Any, wiki_env: MediaWiki) -> None:
    sim: Sim = await sim_factory(config=sim_config(wiki_env))
    settings = sim.settings.wiki
    assert settings is not None
    await sim.tick()  # the first pass publishes (empty pages)
    assert "No public leads yet." in (wiki_env.page_text(settings.pages.register_page) or "")
    lead, card = await open_review(sim, "Europeana")
    await sim.slash("lead edit", user="alice", lead=lead.ref, field="visibility", value="public")
    sim.advance(hours=80)
    await sim.click(card, "Approve", user="carol")
    r = await sim.click(card, "Approve", user="erin")
    assert "is approved" in r.text
    assert (await lead_of(sim, lead)).status == "approved"
    await sim.tick()  # the change is seen: it waits for the debounce
    assert "Europeana" not in (wiki_env.page_text(settings.pages.register_page) or "")
    sim.advance(minutes=11)
    await sim.tick()
    register = wiki_env.page_text(settings.pages.register_page) or ""
    assert "Europeana" in register and "approved" in register
    decisions = wiki_env.page_text(settings.pages.decisions) or ""
    assert "Europeana" in decisions and "approved" in decisions
    assert str(sim.member("carol").id) not in decisions and "carol" not in decisions  # names only if configured
    status = await sim.slash("publish status", user="alice")
    assert status.ephemeral and settings.pages.register_page in status.text and "last written" in status.text
    now = await sim.slash("publish now", user="bob")
    assert now.ephemeral and "already up to date" in now.text
    refused = await sim.slash("publish now", user="dave")
    assert refused.ephemeral and "Only the working group" in refused.text


async def test_reviewers_are_named_when_the_config_says_so(sim_factory: Any, wiki_env: MediaWiki) -> None:
    config = sim_config(wiki_env)
    config["wiki"]["name_reviewers"] = True
    sim: Sim = await sim_factory(config=config)
    lead, card = await open_review(sim, "Europeana")
    await sim.slash("lead edit", user="alice", lead=lead.ref, field="visibility", value="public")
    sim.advance(hours=80)
    await sim.click(card, "Approve", user="carol")
    await sim.click(card, "Approve", user="erin")
    r = await sim.slash("publish now", user="alice")
    assert "Published on the wiki" in r.text
    assert sim.settings.wiki is not None
    decisions = wiki_env.page_text(sim.settings.wiki.pages.decisions) or ""
    assert "Reviewers" in decisions
    assert "Carol" in decisions and "Erin" in decisions  # their display names


async def test_a_failing_wiki_is_reported_by_publish_now_and_status(sim_factory: Any, wiki_env: MediaWiki) -> None:
    config = sim_config(wiki_env)
    config["wiki"]["api_url"] = "http://127.0.0.1:9/api.php"
    sim: Sim = await sim_factory(config=config)
    r = await sim.slash("publish now", user="alice")
    assert r.ephemeral and "The wiki could not be written" in r.text and "could not connect" in r.text
    status = await sim.slash("publish status", user="alice")
    assert "Publishing has failed since" in status.text


async def test_text_the_wiki_would_change_on_save_is_not_taken_for_a_hand_edit(
    db: Database, wiki_env: MediaWiki
) -> None:
    settings = settings_for(wiki_env)
    await public_lead(db, "Pasted\x1fname\ufdd0 Foundation")
    await run(db, settings)
    await public_lead(db, "Another")
    report = await run(db, settings, now=NOW + timedelta(hours=1))
    assert report.pages[0].outcome == "replace"
    assert "Another" in (wiki_env.page_text(settings.pages.register_page) or "")


async def test_a_damaged_marker_is_reported_and_nothing_is_deleted(db: Database, wiki_env: MediaWiki) -> None:
    settings = settings_for(wiki_env)
    title = settings.pages.register_page
    await public_lead(db, "Europeana")
    await run(db, settings)
    page = wiki_env.page_text(title) or ""
    wiki_env.edit_as_human(title, page.replace(markers.end("register"), "") + "\n\nPeople's closing words.")
    await public_lead(db, "Wikidata")
    report = await run(db, settings, now=NOW + timedelta(hours=1), overwrite=True)
    assert report.pages[0].outcome == "damaged"
    assert "People's closing words." in (wiki_env.page_text(title) or "")
    assert [p.problem for p in (await wiki.status(db, GUILD)).pages if p.key == "register"] == ["damaged"]


async def test_a_title_on_another_wiki_fails_cleanly(db: Database, wiki_env: MediaWiki) -> None:
    report = await run(db, settings_for(wiki_env, pages={"register": "wikipedia:Foo", "decisions": "Bar"}))
    assert report.failure is not None  # a sentence, not an exception out of the run


async def test_without_a_wiki_the_digest_says_nothing_about_one(db: Database, wiki_env: MediaWiki) -> None:
    await run(db, settings_for(wiki_env, api_url="http://127.0.0.1:9/api.php"))
    content = await digest.collect(db, GUILD, NOW - timedelta(days=7), NOW + timedelta(days=1), now=NOW, stale_days=30)
    assert content.wiki is None
