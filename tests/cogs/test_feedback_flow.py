"""The feedback flows end to end through bot/sim: DM preview, Send, Cancel, the modal, refusals."""

from __future__ import annotations

import re

from bot.services.feedback_text import EMAIL_MASK, PHONE_MASK, ZWSP
from bot.sim import Sim
from bot.sim.server import Fault
from tests.cogs.test_feedback_support import (
    code_in,
    count,
    db_bytes,
    preview,
    scheduled_digest,
    send_by_dm,
    send_by_modal,
    snapshot,
)


async def test_dm_preview_is_exactly_what_is_stored_and_nothing_before_send(sim: Sim) -> None:
    raw = "The intake is slow. Mail me at dave@example.org or +33 6 12 34 56 78. cc @everyone <@12345678901234567>"
    message = await preview(sim, "dave", raw)
    assert await count(sim) == 0  # a preview stores nothing
    shown = message.embeds[0]["description"]
    assert EMAIL_MASK in shown and PHONE_MASK in shown and f"@{ZWSP}everyone" in shown
    assert "dave@example.org" not in message.text and "12345678901234567" not in message.text
    assert "1 email address" in message.text and "1 phone number" in message.text
    assert "2 mentions" in message.text
    assert [o["value"] for o in message.selects[0]["options"]] == ["general", "process", "partnership", "other"]

    chosen = await sim.select(message, ["process"], user="dave")
    assert chosen.updated is not None
    assert await count(sim) == 0
    sent = await sim.click(chosen.updated, "Send anonymously", user="dave")
    assert sent.updated is not None and sent.updated.buttons == [] and sent.updated.selects == []
    code = code_in(sent.updated.content)
    assert "Sent anonymously" in sent.updated.text
    rows = await sim.db.feedback.fetchall("SELECT topic, text, day FROM feedback_items")
    assert [(r["topic"], r["text"], r["day"]) for r in rows] == [("process", shown, "2026-01-05")]
    assert code.encode() not in db_bytes(sim)


async def test_cancel_stores_nothing(sim: Sim) -> None:
    message = await preview(sim, "dave", "never mind")
    done = await sim.click(message, "Cancel", user="dave")
    assert done.updated is not None and "Nothing was stored" in done.updated.text
    assert done.updated.buttons == []
    assert await count(sim) == 0


async def test_draft_expires_after_fifteen_minutes(sim: Sim) -> None:
    message = await preview(sim, "dave", "slow thought")
    sim.advance(minutes=15)
    late = await sim.click(message, "Send anonymously", user="dave")
    assert late.updated is not None and "15 minutes" in late.updated.text
    assert await count(sim) == 0


async def test_tick_forgets_expired_drafts(sim: Sim) -> None:
    await preview(sim, "dave", "a")
    await preview(sim, "erin", "b")
    drafts = sim.bot.services.feedback.drafts
    assert len(drafts) == 2
    sim.advance(minutes=16)
    await sim.tick()
    assert len(drafts) == 0


async def test_drafts_do_not_survive_a_restart(sim: Sim) -> None:
    message = await preview(sim, "dave", "before the restart")
    await sim.restart()
    late = await sim.click(message, "Send anonymously", user="dave")
    assert late.updated is not None and "Nothing was stored" in late.updated.text
    assert await count(sim) == 0


async def test_modal_path_answers_privately_with_a_code(sim: Sim) -> None:
    opened = await sim.slash("feedback give", user="dave", topic="partnership")
    assert opened.modal is not None and opened.modal.title == "Anonymous feedback"
    assert opened.modal.fields[0].max_length == sim.settings.feedback.max_length
    done = await sim.submit(opened.modal, {"text": "Call 555-123-4567 about it"}, user="dave")
    assert done.ephemeral
    code_in(done.reply.content if done.reply else "")
    assert f"Call {PHONE_MASK} about it" in done.text and "1 phone number" in done.text
    rows = await sim.db.feedback.fetchall("SELECT topic, text FROM feedback_items")
    assert [(r[0], r[1]) for r in rows] == [("partnership", f"Call {PHONE_MASK} about it")]
    assert sim.channel("general").messages == []


async def test_modal_works_from_a_dm_too(sim: Sim) -> None:
    await send_by_modal(sim, "dave", "from my DMs", dm=True)
    assert await count(sim) == 1


async def test_non_member_is_told_why_and_nothing_is_stored(sim: Sim) -> None:
    sim.add_user("zed")
    [reply] = await sim.dm("zed", "I am not in the server")
    assert "Only members of" in reply.text
    refused = await sim.slash("feedback give", user="zed", dm=True, topic="general")
    assert refused.modal is None and refused.ephemeral and "Only members of" in refused.text
    assert await count(sim) == 0


async def test_member_without_the_member_role_is_refused(sim_factory) -> None:
    sim = await sim_factory(config={"roles": {"members": "members"}})
    refused = await sim.slash("feedback give", user="dave", topic="general")
    assert refused.modal is None and "Only members of" in refused.text
    [reply] = await sim.dm("dave", "hello")
    assert "Only members of" in reply.text
    sim.add_member("mia", roles=["members"])
    await send_by_dm(sim, "mia", "I may")
    assert await count(sim) == 1


async def test_empty_and_attachment_only_dms_get_clear_messages(sim: Sim) -> None:
    [empty] = await sim.dm("dave", "   ")
    assert "no text" in empty.text and empty.buttons == []
    [only_file] = await sim.dm("dave", "", attachments=["photo.png"])
    assert "only take feedback as text" in only_file.text and only_file.buttons == []
    with_file = await preview(sim, "dave", "see the attached")
    assert with_file.buttons == ["Send anonymously", "Cancel"]
    [with_file] = await sim.dm("dave", "see the attached", attachments=["scan.pdf"])
    assert "Attachments are not kept" in with_file.text
    assert await count(sim) == 0


async def test_text_over_the_limit_is_refused_with_the_limit_stated(sim_factory) -> None:
    sim = await sim_factory(config={"feedback": {"max_length": 50}})
    [reply] = await sim.dm("dave", "x" * 51)
    assert "at most 50 characters; yours has 51" in reply.text and reply.buttons == []
    opened = await sim.slash("feedback give", user="dave", topic="general")
    assert opened.modal is not None
    refused = await sim.submit(opened.modal, {"text": "y" * 60}, user="dave")
    assert refused.ephemeral and "at most 50 characters; yours has 60" in refused.text
    assert await count(sim) == 0
    # Refusals do not use up the daily limit.
    assert sim.bot.services.feedback.limit.tracked == 0


async def test_retraction_by_command_in_server_and_dm_and_by_dm_code(sim: Sim) -> None:
    codes = [await send_by_dm(sim, "dave", "item 0"), await send_by_modal(sim, "erin", "item 1")]
    codes.append(await send_by_dm(sim, "carol", "item 2"))
    await scheduled_digest(sim)  # three members: the digest released the batch
    codes.append(await send_by_dm(sim, "dave", "item 3"))  # waits for the next one
    assert await count(sim) == 4
    first = await sim.slash("feedback retract", user="dave", code=codes[0].lower())
    assert first.ephemeral and "Your feedback was deleted" in first.text
    assert "already been released" in first.text
    second = await sim.slash("feedback retract", user="dave", dm=True, code=codes[3])
    assert "Your feedback was deleted" in second.text
    assert "already been released" not in second.text  # it was still waiting
    [by_dm] = await sim.dm("erin", "retract " + codes[1].replace("-", " "))
    assert "Your feedback was deleted" in by_dm.text
    rows = await sim.db.feedback.fetchall("SELECT text FROM feedback_items")
    assert [r[0] for r in rows] == ["item 2"]


async def test_wrong_malformed_and_repeated_codes_change_nothing(sim: Sim) -> None:
    code = await send_by_dm(sim, "dave", "keep me")
    before = await snapshot(sim)
    wrong = await sim.slash("feedback retract", user="dave", code="7K3M-Q9TX-2BHD-W4RE")
    assert wrong.ephemeral and "No feedback matches that code" in wrong.text
    malformed = await sim.slash("feedback retract", user="dave", code="banana")
    assert "That is not a retraction code" in malformed.text
    assert await snapshot(sim) == before
    await sim.slash("feedback retract", user="dave", code=code)
    after_first = await snapshot(sim)
    again = await sim.slash("feedback retract", user="dave", code=code)
    assert "already retracted" in again.text
    [again_by_dm] = await sim.dm("dave", f"/feedback retract code:{code}")
    assert "already retracted" in again_by_dm.text
    assert await snapshot(sim) == after_first


async def test_closed_dms_are_told_privately_in_the_server(sim: Sim) -> None:
    sim.close_dms("dave")
    assert await sim.dm("dave", "can you hear me?") == []
    assert await count(sim) == 0
    assert len(sim.bot.services.feedback.drafts) == 0
    told = await sim.slash("feedback privacy", user="dave")
    assert told.ephemeral and "DMs are closed" in told.text
    again = await sim.slash("feedback privacy", user="dave")
    assert "DMs are closed" not in again.text  # told once
    # Refusal replies that cannot be delivered do not crash either.
    assert await sim.dm("dave", "") == []
    opened = await sim.slash("feedback give", user="dave", topic="other")
    assert opened.modal is not None
    done = await sim.submit(opened.modal, {"text": "through the form instead"}, user="dave")
    assert "DMs are closed" in done.text and code_in(done.text)
    assert await count(sim) == 1


async def test_dm_failure_on_other_errors_does_not_crash(sim: Sim) -> None:
    sim.fail_next(503, channel="dm:dave")
    assert await sim.dm("dave", "into the void") == []
    assert len(sim.bot.services.feedback.drafts) == 0
    await send_by_dm(sim, "dave", "second try")
    assert await count(sim) == 1


async def test_privacy_states_what_is_and_is_not_kept(sim: Sim) -> None:
    r = await sim.slash("feedback privacy", user="dave")
    assert r.ephemeral
    for words in (
        "Kept",
        "Never kept, never logged",
        "Discord id",
        "name or nickname",
        "DM channel",
        "message or interaction ids",
        "time of day",
        "at least 3 different members",
        "is ever shown how much is waiting",
        "those items then count as no member",
        "Someone with the files",
        "never who sent them, in what order, or at what time of day",
        "server admin can read every channel",
        "365 days",
        "5 a day",
        "never written down",
    ):
        assert words in r.text
    in_dm = await sim.slash("feedback privacy", user="dave", dm=True)
    assert "Never kept" in in_dm.text


async def test_replies_follow_the_members_language(sim: Sim) -> None:
    r = await sim.slash("feedback privacy", user="dave", locale="es-ES")
    assert "Nunca se guarda" in r.text
    [reply] = await sim.dm("dave", "x" * 2001)
    assert "como máximo 2000 caracteres" in reply.text  # the DM answers in dave's last locale
    message = await preview(sim, "dave", "hola")
    assert "Vista previa" in message.text
    assert message.buttons == ["Enviar de forma anónima", "Cancelar"]
    sent = await sim.click(message, "Enviar de forma anónima", user="dave", locale="fr")
    assert sent.updated is not None and "Envoyé anonymement" in sent.updated.text


async def test_english_preview_keeps_the_fixed_button_words(sim: Sim) -> None:
    message = await preview(sim, "erin", "The intake form is too long.")
    assert message.buttons == ["Send anonymously", "Cancel"]


async def test_nothing_the_bot_sends_can_ping(sim: Sim) -> None:
    await send_by_dm(sim, "dave", "@everyone <@&12345678901234567> look")
    for message in sim.all_messages():
        if message.author_id == sim.server.bot_user_id:
            mentions = message.data.get("mentions") or []
            assert mentions == [] and not message.data.get("mention_everyone")
    [row] = await sim.db.feedback.fetchall("SELECT text FROM feedback_items")
    assert not re.search(r"<@&?\d+>|@everyone", row[0])


async def test_a_failed_membership_check_says_nothing_was_stored(sim: Sim) -> None:
    sim.server.faults.append(Fault(503, 1, route="/members/"))
    (reply,) = await sim.dm("dave", "The intake form is too long.")
    assert "couldn't check your membership" in reply.text and "nothing was stored" in reply.text
    assert reply.buttons == [] and await count(sim) == 0
    assert len(sim.bot.services.feedback.drafts) == 0
    again = await preview(sim, "dave", "The intake form is too long.")  # Discord recovered: the usual preview
    assert "Send anonymously" in again.buttons


async def test_a_stored_item_shows_its_code_even_when_the_preview_cannot_be_updated(sim: Sim) -> None:
    message = await preview(sim, "dave", "The intake form is too long.")
    sim.server.faults.append(Fault(0, 1, route="/callback", kind="timeout"))
    sent = await sim.click(message, "Send anonymously", user="dave")
    assert sent.reply is not None and sent.ephemeral and "Sent anonymously" in sent.text
    code = code_in(sent.text)
    assert await count(sim) == 1
    retracted = await sim.slash("feedback retract", user="dave", code=code)
    assert "Your feedback was deleted" in retracted.text
    assert await count(sim) == 0


async def test_the_code_comes_by_dm_when_no_answer_to_the_press_gets_through(sim: Sim) -> None:
    message = await preview(sim, "dave", "The intake form is too long.")
    sim.server.faults.append(Fault(0, 2, route="/callback", kind="disconnect"))
    await sim.click(message, "Send anonymously", user="dave")
    assert await count(sim) == 1
    last = sim.dm_channel("dave").messages[-1]
    assert last is not message and "Sent anonymously" in last.text
    code_in(last.text)


async def test_a_blank_form_is_refused_in_words_that_fit_the_form(sim: Sim) -> None:
    opened = await sim.slash("feedback give", user="dave", topic="general")
    assert opened.modal is not None
    r = await sim.submit(opened.modal, {"text": "   "}, user="dave")
    assert r.ephemeral and r.text.startswith("There is no text to send.")
    assert "text message" not in r.text
    assert await sim.db.feedback.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


async def test_a_draft_pushed_out_by_newer_ones_says_why(sim: Sim) -> None:
    first = await preview(sim, "dave", "Draft number 0")
    for n in range(1, 6):
        await preview(sim, "dave", f"Draft number {n}")
    r = await sim.click(first, "Send anonymously", user="dave")
    assert "This draft is gone" in r.text and "5 at most" in r.text
    assert await sim.db.feedback.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


async def test_the_release_terms_follow_the_plural_rules_of_the_readers_language(sim_factory) -> None:  # type: ignore[no-untyped-def]
    one = await sim_factory(config={"feedback": {"min_batch": 1}})
    r = await one.slash("feedback privacy", user="dave")
    assert "at least 1 member (told apart" in r.text and "1 different members" not in r.text
    r = await one.slash("feedback privacy", user="dave", locale="fr")
    assert "au moins 1 membre (distingués" in r.text
    three = await sim_factory(config={"feedback": {"min_batch": 3}})
    r = await three.slash("feedback privacy", user="dave", locale="ar")
    assert "أعضاء مختلفين" in r.text  # the number itself is isolated for right-to-left text
    r = await three.slash("feedback privacy", user="dave", locale="es-ES")
    assert "al menos 3 miembros distintos" in r.text
