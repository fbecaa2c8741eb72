"""Full-text search and autocomplete: ranking, every script, triggers keeping the index in step,
visibility, and input that must stay inert."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.errors import InvalidInput
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.queries import known_entities
from bot.services.leads.register import edit_lead
from bot.services.leads.search import search_leads, suggest_leads
from tests.services.test_leads_support import GUILD, NOW, OTHER_GUILD, OWNER, SETTINGS, WG, add, snapshot


async def search(db: Database, query: str, access: Access = Access.WORKING_GROUP, viewer: int = WG) -> list[str]:
    hits = await search_leads(db, GUILD, query, viewer_id=viewer, viewer_access=access)
    return [hit.lead.partner for hit in hits]


async def test_ranked_name_before_summary(db: Database) -> None:
    await add(db, "City Archive", summary="We digitise the museum's letters")
    await add(db, "National Museum", summary="Paintings")
    assert await search(db, "museum") == ["National Museum", "City Archive"]


async def test_every_searchable_field(db: Database) -> None:
    lead = await add(
        db, "Alpha", aliases=("Betaworks",), summary="gamma rays", offer="delta training", ask="epsilon images"
    )
    await leads.add_note(db, GUILD, lead.id, "zeta meeting went well", actor_id=WG, now=NOW)
    for query in ("alpha", "betaworks", "gamma", "delta", "epsilon", "zeta"):
        assert await search(db, query) == ["Alpha"], query


async def test_accents_prefixes_and_parts_of_words(db: Database) -> None:
    await add(db, "Musée d'Orsay")
    await add(db, "Europeana Foundation")
    assert await search(db, "musee") == ["Musée d'Orsay"]
    assert await search(db, "MUSÉE") == ["Musée d'Orsay"]
    assert await search(db, "europ") == ["Europeana Foundation"]
    assert await search(db, "peana") == ["Europeana Foundation"]  # inside a word: trigram index


async def test_all_words_must_match(db: Database) -> None:
    await add(db, "Open Knowledge", summary="data training")
    await add(db, "Open Data Institute", summary="workshops")
    assert await search(db, "open training") == ["Open Knowledge"]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("مكتبة الإسكندرية", "الإسكندرية"),
        ("مُتحف الفن", "مُتحف"),
        ("राष्ट्रीय संग्रहालय", "संग्रहालय"),
        ("राष्ट्रीय संग्रहालय", "संग्"),
        ("北京大学图书馆", "图书馆"),
        ("北京大学图书馆", "北京"),
        ("北京大学图书馆", "大学"),
        ("東京国立博物館", "博物館"),
        ("พิพิธภัณฑ์สถานแห่งชาติ", "แห่งชาติ"),
        ("Государственный Эрмитаж", "эрмитаж"),
        ("ספרייה לאומית", "לאומית"),
    ],
)
async def test_other_scripts_are_searchable(db: Database, name: str, query: str) -> None:
    await add(db, name)
    await add(db, "Unrelated Latin Name")
    assert await search(db, query) == [name]


@pytest.mark.parametrize(
    "query", ['"', "NEAR(a b)", "a OR b", "col:thing", "*", "^start", "{partner}: x", "'; DROP TABLE leads; --"]
)
async def test_query_syntax_is_inert(db: Database, query: str) -> None:
    await add(db, "Europeana")
    before = await snapshot(db)
    try:
        await search(db, query)
    except InvalidInput as refused:
        assert refused.key == "lead.query_empty"
    assert await snapshot(db) == before


async def test_empty_and_overlong_queries(db: Database) -> None:
    for query, key in (("", "lead.query_empty"), ("   ", "lead.query_empty"), ("x" * 201, "lead.query_too_long")):
        with pytest.raises(InvalidInput) as caught:
            await search(db, query)
        assert caught.value.key == key


async def test_index_follows_edits_aliases_and_notes(db: Database) -> None:
    lead = await add(db, "Old Name", aliases=("First Alias",))
    await edit_lead(db, GUILD, lead.id, "partner", "Brand New", actor_id=WG, now=NOW, settings=SETTINGS)
    await edit_lead(db, GUILD, lead.id, "aliases", "Second Alias", actor_id=WG, now=NOW, settings=SETTINGS)
    assert await search(db, "old") == []
    assert await search(db, "first") == []
    assert await search(db, "brand") == ["Brand New"]
    assert await search(db, "second") == ["Brand New"]
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM lead_aliases WHERE lead_id = ?", (lead.id,))
    assert await search(db, "second") == []


async def test_members_search_what_they_may_see_and_never_notes(db: Database) -> None:
    mine = await add(db, "Mine Museum", owner_id=OWNER)
    await add(db, "Public Museum", owner_id=2, visibility="public")
    await add(db, "Hidden Museum", owner_id=2)
    await leads.add_note(db, GUILD, mine.id, "secretword", actor_id=WG, now=NOW)
    assert sorted(await search(db, "museum", Access.MEMBER, OWNER)) == ["Mine Museum", "Public Museum"]
    assert await search(db, "secretword", Access.MEMBER, OWNER) == []
    assert await search(db, "secretword") == ["Mine Museum"]
    hits = await search_leads(db, GUILD, "secretword", viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert (hits[0].field, hits[0].excerpt) == ("notes", "secretword")


async def test_search_is_per_guild(db: Database) -> None:
    await add(db, "Europeana", guild_id=OTHER_GUILD)
    assert await search(db, "europeana") == []


async def test_excerpt_names_the_matching_field(db: Database) -> None:
    await add(db, "Alpha", summary="Lots of words before " * 5 + "the keyword appears here and then more words")
    [hit] = await search_leads(db, GUILD, "keyword", viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert hit.field == "summary" and "keyword" in hit.excerpt and hit.excerpt.startswith("…")


async def test_autocomplete_by_id_and_name(db: Database) -> None:
    first = await add(db, "Europeana")
    await add(db, "European Library")
    hidden = await add(db, "Eurovision", owner_id=2)

    async def suggest(text: str) -> list[leads.Suggestion]:
        return await suggest_leads(db, GUILD, text, viewer_id=WG, viewer_access=Access.WORKING_GROUP)

    assert (await suggest(first.ref))[0].lead_id == first.id
    assert (await suggest(str(first.id)))[0].lead_id == first.id
    names = {s.partner for s in await suggest("Euro")}
    assert names == {"Europeana", "European Library", "Eurovision"}
    member = await suggest_leads(db, GUILD, "Euro", viewer_id=OWNER, viewer_access=Access.MEMBER)
    assert hidden.id not in {s.lead_id for s in member}
    assert len(await suggest("")) == 3


async def test_known_entities(db: Database) -> None:
    await add(db, "A", entity="Wikimedia UK")
    await add(db, "B", entity="Wikimedia UK")
    await add(db, "C", entity="Wiki Movimento Brasil")
    assert await known_entities(db, GUILD) == ["Wikimedia UK", "Wiki Movimento Brasil"]
    assert await known_entities(db, GUILD, "brasil") == ["Wiki Movimento Brasil"]
