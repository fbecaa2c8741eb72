"""The real MediaWiki of the wiki tests answers, and behaves the way the publishing code will rely on."""

from __future__ import annotations

import mwclient
import mwclient.errors
import pytest

from tests.wiki.conftest import MediaWiki, WikiAPIError

REGISTER = "Partenariats/Registre des partenariats"
REGISTER_AR = "شراكات/سجل"


def bot_site(mediawiki: MediaWiki) -> mwclient.Site:
    site = mwclient.Site(mediawiki.host, path=mediawiki.path, scheme=mediawiki.scheme, max_retries=0)
    site.login(mediawiki.bot_user, mediawiki.bot_password)
    return site


def test_the_api_answers_siteinfo(mediawiki: MediaWiki) -> None:
    general = mediawiki.session().get(action="query", meta="siteinfo")["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.39.")
    assert general["sitename"] == "Test Wiki"
    assert general["dbtype"] == "sqlite"
    assert general["server"] == f"http://{mediawiki.host}"
    assert set(mediawiki.timings) == {"install", "accounts", "start", "total"}


@pytest.mark.parametrize("title", [REGISTER, REGISTER_AR])
def test_a_bot_password_login_makes_bot_flagged_edits(mediawiki: MediaWiki, title: str) -> None:
    title = mediawiki.unique_title(title)
    site = bot_site(mediawiki)
    userinfo = site.api("query", meta="userinfo", uiprop="rights|groups", **{"assert": "bot"})["query"]["userinfo"]
    assert userinfo["name"] == mediawiki.admin_user
    assert "bot" in userinfo["groups"]
    assert {"bot", "edit", "createpage", "noratelimit"} <= set(userinfo["rights"])

    text = '== Registre ==\n{| class="wikitable"\n! Partenaire !! Niveau\n|-\n| Europeana || مرحبا\n|}\n'
    result = site.pages[title].edit(text, summary="Publication du registre", bot=True)
    assert result["result"] == "Success"

    # Stored without the trailing newline: MediaWiki strips trailing whitespace.
    assert mediawiki.page_text(title) == text.rstrip()
    [revision] = mediawiki.revisions(title)
    assert revision.revid == result["newrevid"]
    assert revision.user == mediawiki.admin_user
    assert revision.comment == "Publication du registre"
    assert revision.bot is True


def test_hand_edits_are_not_bot_flagged(mediawiki: MediaWiki) -> None:
    title = mediawiki.unique_title(REGISTER)
    site = bot_site(mediawiki)
    site.pages[title].edit("bot text", summary="bot", bot=True)
    human = mediawiki.edit_as_human(title, "human text", "a person")
    admin = mediawiki.edit_as_human(title, "admin text", "the admin by hand", as_admin=True)
    assert mediawiki.edit_as_human(title, "admin text", as_admin=True) is None  # same text: no revision

    revisions = mediawiki.revisions(title)
    assert [(r.user, r.bot, r.text) for r in revisions] == [
        (mediawiki.admin_user, True, "bot text"),
        (mediawiki.human_user, False, "human text"),
        (mediawiki.admin_user, False, "admin text"),
    ]
    assert [r.revid for r in revisions[1:]] == [human, admin]
    assert mediawiki.page_text(mediawiki.unique_title("No such page")) is None
    assert mediawiki.revisions(mediawiki.unique_title("No such page")) == []


def test_baserevid_merges_a_hand_edit_elsewhere_and_refuses_one_on_the_same_lines(mediawiki: MediaWiki) -> None:
    title = mediawiki.unique_title(REGISTER)
    site = bot_site(mediawiki)
    lines = ["a", "b", "c", "d", "e", "f", "g"]
    base = site.pages[title].edit("\n".join(lines), summary="bot", bot=True)["newrevid"]

    # A person changes the last line; the bot, from the old base, changes the first: MediaWiki merges.
    mediawiki.edit_as_human(title, "\n".join([*lines[:-1], "HUMAN"]))
    merged = site.post(
        "edit", title=title, text="\n".join(["BOT", *lines[1:]]), baserevid=base, bot=1, token=site.get_token("csrf")
    )
    assert merged["edit"]["result"] == "Success"
    assert mediawiki.page_text(title) == "\n".join(["BOT", *lines[1:-1], "HUMAN"])

    # The same line on both sides: an edit conflict, and nothing is saved.
    base = merged["edit"]["newrevid"]
    mediawiki.edit_as_human(title, "\n".join(["BOT", *lines[1:-1], "HUMAN 2"]))
    with pytest.raises(mwclient.errors.APIError) as conflict:
        site.post(
            "edit",
            title=title,
            text="\n".join(["BOT", *lines[1:-1], "BOT 2"]),
            baserevid=base,
            bot=1,
            token=site.get_token("csrf"),
        )
    assert conflict.value.code == "editconflict"
    text = mediawiki.page_text(title)
    assert text is not None and text.endswith("HUMAN 2")


def test_lag_and_read_only_switches(mediawiki: MediaWiki) -> None:
    title = mediawiki.unique_title(REGISTER)
    bot = mediawiki.session(mediawiki.bot_user)
    with mediawiki.lagging(7):
        lagged = bot.post(action="edit", title=title, text="x", bot=True, maxlag=5)
        assert lagged["error"]["code"] == "maxlag"
        assert lagged["error"]["lag"] == 7
        assert "error" not in bot.get(action="query", meta="userinfo", maxlag=10)
        # mwclient sends maxlag to the API only when told to; then it sleeps Retry-After and retries, up to
        # max_retries (0 here), and raises MaximumRetriesExceeded.
        site = bot_site(mediawiki)
        with pytest.raises(mwclient.errors.MaximumRetriesExceeded):
            site.pages[title].edit("x", summary="lagged", bot=True, maxlag=5)
    assert mediawiki.page_text(title) is None

    mediawiki.session(mediawiki.human_user)  # logged in before: a read-only wiki refuses logins too
    with mediawiki.read_only("Backups"):
        refused = bot.post(action="edit", title=title, text="x", bot=True)
        assert refused["error"]["code"] == "readonly"
        assert refused["error"]["readonlyreason"] == "Backups"
        with pytest.raises(WikiAPIError) as refused_human:
            mediawiki.edit_as_human(title, "y")
        assert refused_human.value.code == "readonly"
    assert bot.post(action="edit", title=title, text="x", bot=True, maxlag=5)["edit"]["result"] == "Success"
