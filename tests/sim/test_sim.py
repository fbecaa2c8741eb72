"""The simulated Discord itself: each capability the features' tests rely on."""

from __future__ import annotations

import re

import pytest

from bot.sim import Sim, SimError


async def test_typed_options_and_ephemeral_reply(psim: Sim) -> None:
    r = await psim.slash("probe echo", user="dave", text="hi", times=3, who="carol")
    assert r.response_type == 4
    assert r.ephemeral
    assert r.reply is not None and r.reply.content == "hi hi hi to carol"
    # Ephemeral replies are not part of the channel's visible history.
    assert psim.channel("general").messages == []


async def test_public_reply_lands_in_the_channel(psim: Sim) -> None:
    r = await psim.slash("probe echo", text="hello", loud=True)
    assert not r.ephemeral
    assert psim.channel("general").last is r.reply


async def test_unknown_command_and_option_are_reported(psim: Sim) -> None:
    with pytest.raises(SimError):
        await psim.slash("nope")
    with pytest.raises(SimError):
        await psim.slash("probe echo", text="x", colour="red")
    with pytest.raises(SimError):
        await psim.slash("probe echo")  # text is required


async def test_modal_round_trip(psim: Sim) -> None:
    r = await psim.slash("probe modal", user="bob")
    assert r.response_type == 9 and r.modal is not None
    assert r.modal.title == "Your name"
    assert [f.label for f in r.modal.fields] == ["Name", "Note"]
    done = await psim.submit(r.modal, {"Name": "Bob"}, user="bob")
    assert done.reply is not None and done.reply.content == "hello Bob (-)"


async def test_autocomplete_returns_choices(psim: Sim) -> None:
    choices = await psim.autocomplete("probe pick", "fruit", "ap")
    assert [c["value"] for c in choices] == ["apple", "apricot"]


async def test_dynamic_item_survives_restart(psim: Sim) -> None:
    r = await psim.slash("probe counter")
    message = r.reply
    assert message is not None and message.buttons == ["Count 0"]
    first = await psim.click(message, "Count 0", user="alice")
    assert first.updated is message and message.content == "count is 1"
    old_bot = psim.bot
    await psim.restart()
    assert psim.bot is not old_bot and old_bot.is_closed()
    again = await psim.click(message, "Count 1", user="bob")
    assert again.updated is message and message.content == "count is 2"


async def test_owned_view_refuses_others(psim: Sim) -> None:
    r = await psim.slash("probe pager", user="alice")
    assert r.reply is not None
    refused = await psim.click(r.reply, "Next", user="bob")
    assert refused.ephemeral and "belong" in refused.text
    assert r.reply.content == "page 1"
    ok = await psim.click(r.reply, "Next", user="alice")
    assert ok.updated is r.reply and r.reply.content == "page 2"


async def test_threads_from_message_and_standalone(psim: Sim) -> None:
    r = await psim.slash("probe thread", name="plans", user="alice")
    assert r.deferred and r.ephemeral
    thread = psim.thread("plans")
    assert thread.parent_id == psim.channel("general").id
    assert [m.content for m in thread.messages] == ["inside the thread"]
    private = psim.thread("plans-private")
    assert private.type == 12 and psim.member("alice").id in private.member_ids
    assert psim.bot.get_channel(thread.id) is not None
    await psim.archive(thread)
    assert thread.archived
    assert thread in psim.threads("general")


async def test_dm_both_ways_and_closed_dms(psim: Sim) -> None:
    replies = await psim.dm("dave", "hello bot")
    # The probe echoes; the feedback cog answers the same DM with its own preview.
    assert "you said: hello bot" in [m.content for m in replies]
    assert all(m.channel_id == psim.dm_channel("dave").id for m in replies)
    r = await psim.slash("probe dm", user="dave")
    assert r.text == "sent"
    assert psim.dm_channel("dave").last.content == "a private word"
    psim.close_dms("dave")
    r = await psim.slash("probe dm", user="dave")
    assert r.text == "your DMs are closed"


async def test_slash_command_in_dm(psim: Sim) -> None:
    r = await psim.slash("probe echo", user="dave", dm=True, text="psst")
    assert r.reply is not None and r.reply.channel_id == psim.dm_channel("dave").id


async def test_unexpected_error_gets_reference_code(psim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    r = await psim.slash("probe boom", user="dave", locale="fr")
    assert r.ephemeral
    code = re.search(r"([0-9A-F]{6})", r.text)
    assert code is not None and "Désolé" in r.text
    logged = [rec for rec in caplog.records if code.group(1) in rec.getMessage()]
    assert logged and logged[0].exc_info is not None and "kaboom" in str(logged[0].exc_info[1])


async def test_domain_error_is_private_and_translated(psim: Sim) -> None:
    r = await psim.slash("probe refuse", user="dave", locale="es-ES")
    assert r.ephemeral and r.text == "No pude encontrar eso."


async def test_failed_response_is_retried_as_an_apology(psim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    psim.fail_next(400, route="/callback")
    r = await psim.slash("probe echo", text="lost")
    # The first answer was refused; the error path still tells the user, with a code.
    assert "lost" not in r.text and re.search(r"[0-9A-F]{6}", r.text)
    assert any(rec.levelname == "ERROR" for rec in caplog.records)


async def test_commands_synced_to_guild_and_dm_capable_globally(psim: Sim) -> None:
    guild_names = {c["name"] for c in psim.server.guild_commands}
    global_names = {c["name"] for c in psim.server.global_commands}
    assert "probe" in global_names and "about" in global_names
    assert not guild_names & global_names
