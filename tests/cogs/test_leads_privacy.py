"""What members never learn about leads they cannot see, through bot/sim: the duplicate prompt of
`/lead add` (no id, name or status of a working-group-only lead; *Add as a note* for the working group
only, checked again at the press), and the notes of status moves in `/lead show`."""

from __future__ import annotations

import pytest

from bot.services import leads
from bot.services.leads.queries import lead_detail
from bot.services.leads.service import find_duplicates
from bot.sim import Sim
from tests.cogs.test_leads_support import add_lead, assert_refused, lead_of, move_to, service_lead, snapshot

HIDDEN_WARNING = "is already logged and is being handled by the working group. Log it anyway, or cancel?"


async def quiet_bank(sim: Sim) -> leads.Lead:
    """A working-group-only lead (the default visibility) logged by the working group."""
    lead = await add_lead(sim, "Quiet Bank Inc.", user="alice", summary="Confidential talks")
    assert lead.visibility == "wg"
    return lead


def assert_not_named(text: str, lead: leads.Lead) -> None:
    for secret in (lead.ref, lead.partner, "Inc.", "Confidential", "(logged)", "% alike"):
        assert secret not in text, (secret, text)


async def test_a_member_is_warned_without_naming_a_lead_they_cannot_see(sim: Sim) -> None:
    hidden = await quiet_bank(sim)
    dave = await sim.slash("lead show", user="dave", lead=hidden.ref)
    assert "no lead" in dave.text.lower() or "not" in dave.text.lower()  # he cannot see it
    before = await snapshot(sim.db)
    r = await sim.slash(
        "lead add", user="dave", partner="Quiet Bank", level="global", direction="external", summary="probe"
    )
    assert r.ephemeral and "This may already be logged" in r.text
    assert f"Something very similar to Quiet Bank {HIDDEN_WARNING}" in r.text
    assert_not_named(r.text, hidden)
    assert r.reply is not None and r.reply.buttons == ["Log anyway", "Cancel"]
    assert all(hidden.ref not in (c.get("custom_id") or "") for row in r.reply.components for c in row["components"])
    assert await snapshot(sim.db) == before  # nothing saved yet

    # The same in every language.
    for locale, words in (
        ("es-ES", "el grupo de trabajo se está ocupando de ella"),
        ("fr", "le groupe de travail s'en occupe"),
        ("ar", "ويتولاه فريق العمل"),
    ):
        r = await sim.slash(
            "lead add", user="dave", partner="Quiet Bank", level="global", direction="external", summary="probe",
            locale=locale,
        )  # fmt: skip
        assert r.ephemeral and words in r.text, (locale, r.text)
        assert_not_named(r.text, hidden)
        assert r.reply is not None and len(r.reply.buttons) == 2

    # Cancel saves nothing; Log anyway logs dave's own lead and touches nothing of the hidden one.
    r = await sim.slash(
        "lead add", user="dave", partner="Quiet Bank", level="global", direction="external", summary="probe"
    )
    assert r.reply is not None
    cancelled = await sim.click(r.reply, "Cancel", user="dave")
    assert cancelled.updated is not None and "Nothing was saved" in cancelled.updated.text
    assert await snapshot(sim.db) == before
    r = await sim.slash(
        "lead add", user="dave", partner="Quiet Bank", level="global", direction="external", summary="probe"
    )
    assert r.reply is not None
    logged = await sim.click(r.reply, "Log anyway", user="dave")
    assert logged.updated is not None and logged.updated.text.startswith("Logged L-2: Quiet Bank.")
    assert_not_named(logged.updated.text, hidden)
    after = await snapshot(sim.db)
    assert after["lead_notes"] == before["lead_notes"] == []
    assert (await lead_of(sim, hidden)).partner == "Quiet Bank Inc."


async def test_a_member_sees_only_the_candidates_they_may_see_and_cannot_add_notes(sim: Sim) -> None:
    public = await add_lead(sim, "Open Bank", user="alice", summary="Public partnership")
    await sim.slash("lead edit", user="alice", lead=public.ref, field="visibility", value="public")
    hidden = await service_lead(sim, "Open Bank, Inc.", owner="alice", summary="Confidential talks")
    mine = await add_lead(sim, "Dave Archive", user="dave")
    # Both banks are likely duplicates of what dave types; he sees the public one only.
    found = await find_duplicates(sim.db, sim.guild_id, "Open Bank", sim.settings.leads)
    assert {d.lead_id for d in found} == {public.id, hidden.id}
    r = await sim.slash("lead add", user="dave", partner="Open Bank", level="global", direction="external", summary="x")
    assert r.ephemeral and f"**{public.ref}** · Open Bank (logged)" in r.text
    assert "Log it anyway, or cancel?" in r.text
    assert hidden.ref not in r.text and "Inc." not in r.text and "Add what you typed" not in r.text
    assert r.reply is not None and r.reply.buttons == ["Log anyway", "Cancel"]
    # His own working-group-only lead is his to see, but notes stay the working group's.
    r = await sim.slash(
        "lead add", user="dave", partner="Dave Archive", level="global", direction="external", summary="x"
    )
    assert f"**{mine.ref}** · Dave Archive" in r.text
    assert r.reply is not None and r.reply.buttons == ["Log anyway", "Cancel"]


async def test_the_working_group_still_gets_the_full_prompt(sim: Sim) -> None:
    hidden = await quiet_bank(sim)
    r = await sim.slash(
        "lead add", user="bob", partner="Quiet Bank", level="global", direction="external", summary="probe"
    )
    assert f"**{hidden.ref}** · Quiet Bank Inc. (logged)" in r.text and "% alike" in r.text
    assert r.reply is not None and r.reply.buttons == ["Log anyway", f"Add as a note to {hidden.ref}", "Cancel"]
    noted = await sim.click(r.reply, f"Add as a note to {hidden.ref}", user="bob")
    assert noted.updated is not None and f"Added what you typed as a note to {hidden.ref}" in noted.updated.text
    detail = await lead_detail(
        sim.db, sim.guild_id, hidden.id, viewer_id=sim.member("bob").id, viewer_access=leads.pipeline.Access.REVIEWER
    )
    [note] = detail.notes
    assert "probe" in note.text and note.author_id == sim.member("bob").id


@pytest.mark.parametrize("roles_left", [[], ["members"]])
async def test_add_as_a_note_is_checked_again_at_the_press(sim: Sim, roles_left: list[str]) -> None:
    """The prompt was shown to the working group; by the press the role has gone: refused privately,
    nothing written; with the role back, the same button works."""
    hidden = await quiet_bank(sim)
    bob = sim.member("bob")
    r = await sim.slash(
        "lead add", user="bob", partner="Quiet Bank", level="global", direction="external", summary="probe"
    )
    assert r.reply is not None and f"Add as a note to {hidden.ref}" in r.reply.buttons
    roles = list(bob.role_ids)
    bob.role_ids = [sim.role_ids[name] for name in roles_left if name in sim.role_ids]
    before = await snapshot(sim.db)
    refused = await sim.click(r.reply, f"Add as a note to {hidden.ref}", user="bob")
    await assert_refused(sim, refused, before, "Only the working group can do that.")
    assert "Added what you typed" not in refused.text
    bob.role_ids = roles
    done = await sim.click(r.reply, f"Add as a note to {hidden.ref}", user="bob")
    assert done.updated is not None and f"Added what you typed as a note to {hidden.ref}" in done.updated.text
    assert len((await snapshot(sim.db))["lead_notes"]) == 1


# -- the notes of status moves --------------------------------------------------------------------


async def test_members_see_that_a_move_happened_not_its_note(sim: Sim) -> None:
    lead = await add_lead(sim, "Open Museum", user="alice", summary="Public partnership")
    await sim.slash("lead edit", user="alice", lead=lead.ref, field="visibility", value="public")
    await sim.slash("lead note", user="alice", lead=lead.ref, text="Ordinary note for the group")
    r = await sim.slash(
        "lead move", user="alice", lead=lead.ref, status="declined", note="Their board vetoed the data deal"
    )
    assert "moved from logged to declined" in r.text
    member = await sim.slash("lead show", user="dave", lead=lead.ref)
    assert member.ephemeral and "logged → declined" in member.text
    assert "Their board vetoed" not in member.text and "Ordinary note" not in member.text
    group = await sim.slash("lead show", user="bob", lead=lead.ref)
    assert "Their board vetoed the data deal" in group.text and "Ordinary note for the group" in group.text
    # Asked again (the detail is kept in memory per audience), the member still does not see it.
    again = await sim.slash("lead show", user="dave", lead=lead.ref)
    assert "Their board vetoed" not in again.text


async def test_members_do_not_read_lessons_learned_either(sim: Sim) -> None:
    lead = await add_lead(sim, "Open Archive", user="dave", summary="Dave's own lead")
    await move_to(sim, lead, "assessing", "in_review")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="declined", note="Lessons: start smaller")
    owner = await sim.slash("lead show", user="dave", lead=lead.ref)
    assert "→ declined" in owner.text and "Lessons: start smaller" not in owner.text
