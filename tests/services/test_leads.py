"""The leads register's services: logging, refusals, dedup, hard lines, the pipeline, notes, flags, edits
and the digest feeds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import LeadsSettings
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.pipeline import TRANSITIONS, add_flags, legal_targets
from bot.services.leads.queries import lead_detail, list_leads
from bot.services.leads.register import assign_entity, edit_lead
from bot.services.leads.review import cast_vote
from bot.services.leads.service import find_duplicates, log_lead
from tests.services.test_leads_support import (
    GUILD,
    NOW,
    OTHER_GUILD,
    OWNER,
    SETTINGS,
    WG,
    add,
    move,
    snapshot,
)


def draft(partner: str = "Europeana", **fields: object) -> leads.LeadDraft:
    fields.setdefault("level", "global")
    fields.setdefault("direction", "external")
    return leads.LeadDraft(partner=partner, **fields)  # type: ignore[arg-type]


async def log(db: Database, d: leads.LeadDraft, **kw: object) -> leads.AddResult:
    kw.setdefault("owner_id", OWNER)
    kw.setdefault("now", NOW)
    kw.setdefault("settings", SETTINGS)
    return await log_lead(db, GUILD, d, **kw)  # type: ignore[arg-type]


# -- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("L-42", 42), ("42", 42), ("l-7", 7), (" L42 ", 42), (9, 9)])
def test_parse_lead_id(text: str | int, expected: int) -> None:
    assert leads.parse_lead_id(text) == expected


@pytest.mark.parametrize("text", ["", "L-", "forty", "L-0", "0", "-3", "L-4x"])
def test_parse_lead_id_refuses(text: str) -> None:
    with pytest.raises(NotFound) as caught:
        leads.parse_lead_id(text)
    assert caught.value.key == "lead.unknown"


# -- logging --------------------------------------------------------------------------------------


async def test_log_lead_saves_everything_with_a_created_event(db: Database) -> None:
    result = await log(
        db,
        draft(
            "  Europeana Foundation ",
            sector="glam",
            tier="collaborative",
            entity="Wikimedia Deutschland",
            summary="Open access to cultural heritage",
            offer="Volunteers",
            ask="Images",
            contact="partners@example.org",
            link="https://www.europeana.eu/",
            aliases=("Europeana", "EF"),
        ),
    )
    lead = result.lead
    assert lead is not None and lead.ref == f"L-{lead.id}"
    assert lead.partner == "Europeana Foundation"
    assert lead.sector == "GLAM"  # matched to the configured spelling
    assert lead.aliases == ("Europeana", "EF")
    assert lead.status == "logged" and lead.visibility == "wg" and lead.owner_id == OWNER
    assert lead.created_at == NOW == lead.updated_at
    assert [e.kind for e in result.events] == ["created"]
    assert await leads.get_lead(db, GUILD, lead.id) == lead
    events = await leads.events_between(db, GUILD, NOW, NOW + timedelta(seconds=1))
    assert [(e.kind, e.actor_id, e.partner) for e in events] == [("created", OWNER, "Europeana Foundation")]


async def test_text_is_stored_as_typed(db: Database) -> None:
    partner = "@everyone <@&123> متحف الفن 🎨"
    lead = await add(db, partner, summary="Ping <@456> and @here, please")
    stored = await leads.get_lead(db, GUILD, lead.id)
    assert stored.partner == partner
    assert stored.summary == "Ping <@456> and @here, please"


async def test_right_to_left_and_mixed_script_names(db: Database) -> None:
    names = ["مكتبة الإسكندرية", "राष्ट्रीय संग्रहालय", "北京大学图书馆", "Музей Ermitage", "ספרייה לאומית"]
    for name in names:
        await add(db, name)
    stored = [lead.partner for lead in await leads.created_between(db, GUILD, NOW, NOW + timedelta(1))]
    assert stored == names


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"partner": ""}, "lead.partner_empty"),
        ({"partner": "   \t "}, "lead.partner_empty"),
        ({"partner": "x" * 101}, "lead.partner_too_long"),
        ({"summary": "s" * 1001}, "lead.text_too_long"),
        ({"offer": "o" * 1001}, "lead.text_too_long"),
        ({"ask": "a" * 1001}, "lead.text_too_long"),
        ({"link": "ftp://example.org/file"}, "lead.link_invalid"),
        ({"link": "javascript:alert(1)"}, "lead.link_invalid"),
        ({"link": "example.org"}, "lead.link_invalid"),
        ({"link": "https://exa mple.org"}, "lead.link_invalid"),
        ({"level": "galactic"}, "lead.choice_invalid"),
        ({"direction": "sideways"}, "lead.choice_invalid"),
        ({"sector": "astrology"}, "lead.choice_invalid"),
        ({"tier": "top"}, "lead.choice_invalid"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(db: Database, fields: dict[str, str], key: str) -> None:
    await add(db, "Existing partner")
    before = await snapshot(db)
    partner = fields.pop("partner", "Europeana")
    with pytest.raises(InvalidInput) as caught:
        await log(db, draft(partner, **fields))
    assert caught.value.key == key
    assert await snapshot(db) == before


async def test_limits_are_inclusive(db: Database) -> None:
    lead = await add(db, "x" * 100, summary="s" * 1000, offer="o" * 1000, ask="a" * 1000, link="http://a.example")
    assert len(lead.partner) == 100 and len(lead.summary or "") == 1000


# -- duplicates -----------------------------------------------------------------------------------


async def test_duplicate_is_reported_and_nothing_saved(db: Database) -> None:
    first = await add(db, "Europeana Foundation", aliases=("Europeana Digital Library",))
    before = await snapshot(db)
    for name in ("europeana", "Europeana, Inc.", "Europena", "EUROPEANA FOUNDATION", "Europeana Digital Library"):
        result = await log(db, draft(name))
        assert result.lead is None, name
        assert [d.lead_id for d in result.duplicates] == [first.id], name
        assert result.duplicates[0].ref == first.ref
        assert result.duplicates[0].status == "logged"
    assert await snapshot(db) == before
    unrelated = await log(db, draft("Natural History Museum"))
    assert unrelated.lead is not None and not unrelated.duplicates


async def test_log_anyway_skips_the_check(db: Database) -> None:
    await add(db, "Europeana")
    result = await log(db, draft("Europeana"), check_duplicates=False)
    assert result.lead is not None


async def test_dedup_sees_leads_written_after_the_index_was_built(db: Database) -> None:
    await add(db, "Alpha Archive")
    assert not (await log(db, draft("Beta Gallery"), check_duplicates=True)).duplicates
    # Beta Gallery was added through the index; a name edit and an alias change keep it in step.
    beta = (await list_leads(db, GUILD, leads.LeadFilter(), viewer_id=WG, viewer_access=Access.REVIEWER)).leads[0]
    await edit_lead(db, GUILD, beta.id, "partner", "Gamma Gallery", actor_id=WG, now=NOW, settings=SETTINGS)
    assert not (await find_duplicates(db, GUILD, "Beta Gallery", SETTINGS))
    assert [d.lead_id for d in await find_duplicates(db, GUILD, "Gamma Galery", SETTINGS)] == [beta.id]
    await edit_lead(db, GUILD, beta.id, "aliases", "Delta Lab, Epsilon", actor_id=WG, now=NOW, settings=SETTINGS)
    assert [d.lead_id for d in await find_duplicates(db, GUILD, "Delta Lab", SETTINGS)] == [beta.id]
    # A write that bypasses the service (a manual fix in the sqlite shell) is seen through the version.
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO lead_aliases (guild_id, lead_id, alias, alias_norm) VALUES (?, ?, 'Zeta Works', 'zeta works')",
            (GUILD, beta.id),
        )
    assert [d.lead_id for d in await find_duplicates(db, GUILD, "Zeta Works", SETTINGS)] == [beta.id]


async def test_duplicates_a_logger_may_not_see_are_only_counted(db: Database) -> None:
    hidden = await add(db, "Quiet Bank", owner_id=WG)  # the working group's only
    public = await add(db, "Quiet Bank, Inc.", owner_id=WG, visibility="public")
    own = await add(db, "Quiet Bank Ltd", owner_id=OWNER)
    assert {d.lead_id for d in await find_duplicates(db, GUILD, "Quiet Bank", SETTINGS)} == {
        hidden.id, public.id, own.id,
    }  # fmt: skip
    before = await snapshot(db)
    member = await log(db, draft("Quiet Bank"), owner_access=Access.MEMBER)
    assert member.lead is None and member.hidden == 1
    assert {d.lead_id for d in member.duplicates} == {public.id, own.id}
    stranger = await log(db, draft("Quiet Bank"), owner_id=OWNER + 1, owner_access=Access.MEMBER)
    assert stranger.lead is None and [d.lead_id for d in stranger.duplicates] == [public.id]
    assert stranger.hidden == 2
    group = await log(db, draft("Quiet Bank"), owner_id=WG, owner_access=Access.WORKING_GROUP)
    assert group.lead is None and group.hidden == 0 and len(group.duplicates) == 3
    assert await snapshot(db) == before  # nothing saved while a duplicate waits for a decision


async def test_dedup_is_per_guild(db: Database) -> None:
    await add(db, "Europeana", guild_id=OTHER_GUILD)
    assert not await find_duplicates(db, GUILD, "Europeana", SETTINGS)


async def test_changed_legal_suffixes_renormalise_stored_names(db: Database) -> None:
    plain = LeadsSettings(legal_suffixes=())
    await add(db, "Acme Widgets Cooperative", settings=plain)
    assert not await find_duplicates(db, GUILD, "Acme Widgets", plain)
    with_coop = LeadsSettings(legal_suffixes=("cooperative",))
    assert len(await find_duplicates(db, GUILD, "Acme Widgets", with_coop)) == 1


# -- hard lines -----------------------------------------------------------------------------------


async def test_hard_lines_flag_name_alias_or_summary(db: Database) -> None:
    by_name = await add(db, "Global Arms Fair")
    by_alias = await add(db, "Leaf Holdings", aliases=("Big Tabac Ltd",))
    by_summary = await add(db, "Harmless Co", summary="They make WEAPONS for export")
    clean = await add(db, "Farmstead Archive", summary="Barns and charms")  # "arms" inside words: no
    assert [f.source for f in by_name.flags] == ["hard_line:arms"]
    assert by_name.flags[0].severity == "high" and by_name.flags[0].message == "Arms trade is a hard line."
    assert [f.source for f in by_alias.flags] == ["hard_line:tobacco"]
    assert [f.source for f in by_summary.flags] == ["hard_line:arms"]
    assert clean.flags == ()
    flagged, _ = await leads.needs_attention(db, GUILD, NOW, 30)
    assert [lead.id for lead in flagged] == [by_name.id, by_alias.id, by_summary.id]


async def test_edit_rechecks_hard_lines(db: Database) -> None:
    lead = await add(db, "Harmless Co")
    await edit_lead(
        db, GUILD, lead.id, "summary", "Sponsored by a tobacco brand", actor_id=WG, now=NOW, settings=SETTINGS
    )
    assert [f.source for f in (await leads.get_lead(db, GUILD, lead.id)).flags] == ["hard_line:tobacco"]


# -- the pipeline ---------------------------------------------------------------------------------

PATH = ["assessing", "in_review"]


async def lead_in(db: Database, status: str) -> leads.Lead:
    """A lead brought to ``status`` through legal moves only."""
    lead = await add(db, f"Partner for {status}")
    steps = {
        "logged": [],
        "assessing": ["assessing"],
        "in_review": ["assessing", "in_review"],
        "approved": ["assessing", "in_review", "approved"],
        "negotiating": ["assessing", "in_review", "approved", "negotiating"],
        "active": ["assessing", "in_review", "approved", "negotiating", "active"],
        "paused": ["assessing", "in_review", "approved", "negotiating", "paused"],
        "completed": ["assessing", "in_review", "approved", "negotiating", "active", "completed"],
        "vetoed": ["assessing", "in_review", "vetoed"],
        "declined": ["declined"],
        "withdrawn": ["withdrawn"],
    }[status]
    for step in steps:
        if step == "approved":
            await _approve(db, lead.id)
        else:
            await move(db, lead.id, step)
    return await leads.get_lead(db, GUILD, lead.id)


async def _approve(db: Database, lead_id: int) -> None:
    for reviewer in (701, 702):
        await cast_vote(
            db,
            GUILD,
            lead_id,
            "approve",
            reviewer_id=reviewer,
            reviewer_access=Access.REVIEWER,
            now=NOW + timedelta(hours=80),
        )


LEGAL = [(source, m.target) for source, moves in TRANSITIONS.items() for m in moves if not m.by_review]


@pytest.mark.parametrize(("source", "target"), LEGAL)
async def test_every_legal_move(db: Database, source: str, target: str) -> None:
    lead = await lead_in(db, source)
    event = await move(db, lead.id, target)
    assert (event.kind, event.from_status, event.to_status, event.actor_id) == ("status", source, target, WG)
    assert (await leads.get_lead(db, GUILD, lead.id)).status == target


ILLEGAL = [
    (source, target)
    for source in leads.STATUSES
    for target in leads.STATUSES
    if target != source and leads.pipeline.find_move(source, target) is None
]


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
async def test_every_illegal_move_is_refused_with_the_legal_ones(db: Database, source: str, target: str) -> None:
    lead = await lead_in(db, source)
    before = await snapshot(db)
    with pytest.raises(Conflict) as caught:
        await move(db, lead.id, target)
    assert caught.value.key in ("lead.illegal_move", "lead.no_moves")
    if caught.value.key == "lead.illegal_move":
        assert caught.value.params["legal"] == ", ".join(legal_targets(source, Access.REVIEWER, False))
    assert await snapshot(db) == before


async def test_approval_only_through_the_review(db: Database) -> None:
    lead = await lead_in(db, "in_review")
    before = await snapshot(db)
    with pytest.raises(Conflict) as caught:
        await move(db, lead.id, "approved")
    assert caught.value.key == "lead.approve_by_review"
    assert await snapshot(db) == before


async def test_same_status_and_unknown_status(db: Database) -> None:
    lead = await add(db)
    with pytest.raises(Conflict) as caught:
        await move(db, lead.id, "logged")
    assert caught.value.key == "lead.already_status"
    with pytest.raises(Conflict) as caught:
        await move(db, lead.id, "finished")
    assert caught.value.key == "lead.illegal_move"
    assert caught.value.params["legal"] == "assessing, declined, withdrawn"


@pytest.mark.parametrize(
    ("target", "note", "key"),
    [
        ("declined", None, "lead.note_required.declined"),
        ("declined", "   ", "lead.note_required.declined"),
        ("declined", "n" * 1001, "lead.text_too_long"),
    ],
)
async def test_notes_that_moves_require(db: Database, target: str, note: str | None, key: str) -> None:
    lead = await add(db)
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        await move(db, lead.id, target, note=note)
    assert caught.value.key == key
    assert await snapshot(db) == before


async def test_completed_needs_lessons_and_veto_a_rationale(db: Database) -> None:
    active = await lead_in(db, "active")
    with pytest.raises(InvalidInput) as caught:
        await move(db, active.id, "completed", note=None)
    assert caught.value.key == "lead.note_required.completed"
    reviewing = await lead_in(db, "in_review")
    with pytest.raises(InvalidInput) as caught:
        await move(db, reviewing.id, "vetoed", note="too short")
    assert caught.value.key == "review.rationale_short"


async def test_who_may_move(db: Database) -> None:
    lead = await add(db, owner_id=OWNER)
    before = await snapshot(db)
    # The owner, a member, may only withdraw; another member does not even see the lead.
    with pytest.raises(NotAllowed) as caught:
        await move(db, lead.id, "assessing", access=Access.MEMBER, actor_id=OWNER)
    assert caught.value.key == "error.needs_role.working_group"
    with pytest.raises(NotFound):
        await move(db, lead.id, "withdrawn", access=Access.MEMBER, actor_id=999)
    assert await snapshot(db) == before
    event = await move(db, lead.id, "withdrawn", access=Access.MEMBER, actor_id=OWNER, note=None)
    assert event.to_status == "withdrawn"
    # Vetoing is for reviewers.
    reviewing = await lead_in(db, "in_review")
    with pytest.raises(NotAllowed) as caught:
        await move(db, reviewing.id, "vetoed", access=Access.WORKING_GROUP)
    assert caught.value.key == "error.needs_role.reviewer"


async def test_unknown_and_foreign_leads(db: Database) -> None:
    foreign = await add(db, "Elsewhere", guild_id=OTHER_GUILD)
    before = await snapshot(db)
    for lead_id in (foreign.id, 9999):
        with pytest.raises(NotFound) as caught:
            await leads.get_lead(db, GUILD, lead_id)
        assert caught.value.key == "lead.unknown" and caught.value.params["ref"] == f"L-{lead_id}"
        with pytest.raises(NotFound):
            await move(db, lead_id, "assessing")
        with pytest.raises(NotFound):
            await leads.add_note(db, GUILD, lead_id, "hello", actor_id=WG, now=NOW)
        with pytest.raises(NotFound):
            await add_flags(db, GUILD, lead_id, [leads.Flag("x", "high", "m")], actor_id=WG, now=NOW)
    assert await snapshot(db) == before


async def test_every_change_is_an_event(db: Database) -> None:
    lead = await add(db)
    later = NOW + timedelta(days=1)
    await leads.add_note(db, GUILD, lead.id, "Called them", actor_id=WG, now=later)
    await assign_entity(db, GUILD, lead.id, "Wikimedia UK", actor_id=WG, now=later)
    await edit_lead(db, GUILD, lead.id, "offer", "Training", actor_id=WG, now=later, settings=SETTINGS)
    await add_flags(db, GUILD, lead.id, [leads.Flag("checklist", "high", "Brand risk")], actor_id=WG, now=later)
    await add_flags(db, GUILD, lead.id, [leads.Flag("checklist", "high", "Brand risk")], actor_id=WG, now=later)
    await move(db, lead.id, "assessing", now=later, note=None)
    events = await leads.events_between(db, GUILD, later, later + timedelta(seconds=1))
    assert [(e.kind, e.note) for e in events] == [
        ("note", "Called them"),
        ("assign", "Wikimedia UK"),
        ("edit", "offer"),
        ("flag", "high: Brand risk"),
        ("status", None),
    ]
    after = await leads.get_lead(db, GUILD, lead.id)
    assert after.updated_at == later and after.entity == "Wikimedia UK" and after.offer == "Training"
    assert [f.message for f in after.flags] == ["Brand risk"]
    detail = await lead_detail(db, GUILD, lead.id, viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert [n.text for n in detail.notes] == ["Called them"]
    assert [e.kind for e in detail.events] == ["created", "note", "assign", "edit", "flag", "status"]


async def test_edit_refusals_change_nothing(db: Database) -> None:
    lead = await add(db, summary="Same")
    before = await snapshot(db)
    cases = [
        ("status", "active", InvalidInput, "lead.field_unknown"),
        ("partner", " ", InvalidInput, "lead.partner_empty"),
        ("link", "mailto:x@example.org", InvalidInput, "lead.link_invalid"),
        ("summary", "x" * 1001, InvalidInput, "lead.text_too_long"),
        ("summary", "Same", Conflict, "lead.unchanged"),
        ("visibility", "everyone", InvalidInput, "lead.choice_invalid"),
    ]
    for field, value, error, key in cases:
        with pytest.raises(error) as caught:
            await edit_lead(db, GUILD, lead.id, field, value, actor_id=WG, now=NOW, settings=SETTINGS)
        assert caught.value.key == key, field
    with pytest.raises(InvalidInput):
        await leads.add_note(db, GUILD, lead.id, "   ", actor_id=WG, now=NOW)
    with pytest.raises(InvalidInput):
        await assign_entity(db, GUILD, lead.id, "", actor_id=WG, now=NOW)
    assert await snapshot(db) == before


async def test_edit_clears_optional_fields(db: Database) -> None:
    lead = await add(db, summary="Something", tier="contributory")
    for field in ("summary", "tier"):
        await edit_lead(db, GUILD, lead.id, field, "-", actor_id=WG, now=NOW, settings=SETTINGS)
    after = await leads.get_lead(db, GUILD, lead.id)
    assert after.summary is None and after.tier is None


# -- visibility and lists -------------------------------------------------------------------------


async def test_members_see_their_own_and_public_leads(db: Database) -> None:
    mine = await add(db, "Mine", owner_id=OWNER, contact="secret@example.org")
    public = await add(db, "Public", owner_id=999, visibility="public", contact="hidden@example.org")
    hidden = await add(db, "Hidden", owner_id=999)
    page = await list_leads(db, GUILD, leads.LeadFilter(), viewer_id=OWNER, viewer_access=Access.MEMBER)
    assert [lead.partner for lead in page.leads] == ["Public", "Mine"]
    assert all(lead.contact is None for lead in page.leads)
    with pytest.raises(NotFound):
        await lead_detail(db, GUILD, hidden.id, viewer_id=OWNER, viewer_access=Access.MEMBER)
    detail = await lead_detail(db, GUILD, public.id, viewer_id=OWNER, viewer_access=Access.MEMBER)
    assert detail.lead.contact is None and detail.notes == ()
    wg = await lead_detail(db, GUILD, mine.id, viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert wg.lead.contact == "secret@example.org"
    everything = await list_leads(db, GUILD, leads.LeadFilter(), viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert everything.total == 3


async def test_list_filters_and_pages(db: Database) -> None:
    for i in range(23):
        await add(db, f"Partner number {i:02d}", level="local" if i % 2 else "global", owner_id=OWNER if i < 5 else 2)
    everyone = leads.LeadFilter()
    first = await list_leads(db, GUILD, everyone, viewer_id=WG, viewer_access=Access.WORKING_GROUP)
    assert (first.total, first.pages, len(first.leads)) == (23, 3, 10)
    assert first.leads[0].partner == "Partner number 22"
    last = await list_leads(db, GUILD, everyone, viewer_id=WG, viewer_access=Access.WORKING_GROUP, page=7)
    assert last.page == 2 and len(last.leads) == 3
    wg = {"viewer_id": WG, "viewer_access": Access.WORKING_GROUP}
    local = await list_leads(db, GUILD, leads.LeadFilter(level="local"), **wg)  # type: ignore[arg-type]
    assert local.total == 11 and all(lead.level == "local" for lead in local.leads)
    mine = await list_leads(db, GUILD, leads.LeadFilter(mine=True), viewer_id=OWNER, viewer_access=Access.WORKING_GROUP)
    assert mine.total == 5


# -- feeds ----------------------------------------------------------------------------------------


async def test_feeds_cover_the_period_only(db: Database) -> None:
    old = await add(db, "Old one", now=NOW - timedelta(days=40))
    new = await add(db, "New one", now=NOW)
    created = await leads.created_between(db, GUILD, NOW - timedelta(days=1), NOW + timedelta(1))
    assert [x.id for x in created] == [new.id]
    _, stale = await leads.needs_attention(db, GUILD, NOW, 30)
    assert [x.id for x in stale] == [old.id]
    await move(db, old.id, "declined", now=NOW)
    assert (await leads.needs_attention(db, GUILD, NOW + timedelta(days=60), 30))[1] == [
        await leads.get_lead(db, GUILD, new.id)
    ]
    assert await leads.events_between(db, OTHER_GUILD, NOW - timedelta(days=100), NOW + timedelta(1)) == []


async def test_detail_is_kept_in_memory_only_until_anything_is_written(db: Database) -> None:
    lead = await add(db, summary="First")
    service = leads.LeadsService(db, GUILD, SETTINGS, lambda: NOW)  # what it reads, it keeps

    async def detail() -> leads.LeadDetail:
        return await service.detail(lead.id, viewer_id=WG, viewer_access=Access.WORKING_GROUP)

    first = await detail()
    assert await detail() is first
    await service.note(lead.id, "Called them", actor_id=WG)
    noted = await detail()
    assert noted is not first and [n.text for n in noted.notes] == ["Called them"]
    async with db.transaction() as conn:  # a write that bypasses the service is noticed as well
        await conn.execute("UPDATE leads SET summary = 'Second' WHERE id = ?", (lead.id,))
    assert (await detail()).lead.summary == "Second"

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with db.transaction() as conn:
            await conn.execute("UPDATE leads SET summary = 'Never committed' WHERE id = ?", (lead.id,))
            assert (await detail()).lead.summary == "Never committed"  # same connection: sees its own write
            raise Abort
    assert (await detail()).lead.summary == "Second"
