"""bot/sim refuses what Discord refuses, names the rule, and brings real network faults to discord.py."""

from __future__ import annotations

import discord
import pytest

from bot.sim import Sim, SimError, rules


def broke(sim: Sim, words: str) -> bool:
    """Whether the bot broke a rule described with ``words``; forgets what it broke."""
    found = any(words in v for v in sim.server.violations)
    sim.server.violations.clear()
    return found


@pytest.mark.parametrize(
    ("what", "size", "rule"),
    [
        ("content", 2001, "over 2000"),
        ("embed", 4097, "description is 4097 characters, over 4096"),
        ("embeds", 7, "embeds total 7000 characters, over 6000"),
        ("thread", 101, "thread name of 101 characters"),
        ("file", rules.MAX_UPLOAD + 1, "over 10485760"),
        ("modal", 46, "modal title"),
    ],
)
async def test_a_broken_rule_is_refused_and_named(psim: Sim, what: str, size: int, rule: str) -> None:
    r = await psim.slash("probe say", what=what, size=size)
    assert broke(psim, rule)
    assert r.modal is None


async def test_within_the_limits_is_accepted(psim: Sim) -> None:
    for what, size in (("content", 2000), ("embed", 4096), ("embeds", 6), ("thread", 100), ("modal", 45)):
        await psim.slash("probe say", what=what, size=size)
    assert psim.server.violations == []


async def test_a_test_that_breaks_a_rule_fails_naming_it(psim: Sim) -> None:
    await psim.slash("probe say", what="content", size=2500)
    with pytest.raises(SimError, match="content is 2500 characters, over 2000"):
        await psim.close()


async def test_autocomplete_choice_names_are_limited(psim: Sim) -> None:
    assert await psim.autocomplete("probe long", "pick", "100")
    assert psim.server.violations == []
    assert await psim.autocomplete("probe long", "pick", "101") == []
    assert broke(psim, "1 to 100")


async def test_the_first_response_must_come_within_three_seconds_of_loop_time(psim: Sim) -> None:
    r = await psim.slash("probe stall", seconds=0.2)
    assert r.text == "late answer" and psim.server.violations == []
    # A handler that blocks the event loop is late even though nothing awaited.
    r = await psim.slash("probe stall", seconds=3.1, block=True)
    assert r.reply is None
    assert broke(psim, "past Discord's 3 s")


async def test_a_rate_limit_is_slept_through_by_discord_py(psim: Sim) -> None:
    psim.fail_next(kind="rate_limit", seconds=0.05, route="POST /channels")
    r = await psim.slash("probe post", text="after a 429", options={"channel": "announcements"})
    assert r.text == "posted"
    assert psim.channel("announcements").last.content == "after a 429"
    posts = [q for q in psim.server.requests if q == f"POST /channels/{psim.channel('announcements').id}/messages"]
    assert len(posts) == 1  # the 429 never reached the server's message store: discord.py asked again


async def test_a_server_error_on_rest_is_retried_and_a_503_is_not(psim: Sim) -> None:
    psim.fail_next(500, route="POST /channels")
    r = await psim.slash("probe post", text="one", options={"channel": "announcements"})
    assert r.text == "posted"  # discord.py retries a 500 after a second
    psim.fail_next(503, route="POST /channels")
    r = await psim.slash("probe post", text="two", options={"channel": "announcements"})
    assert r.text == "failed 503"
    psim.forbid("digest")
    r = await psim.slash("probe post", text="three", options={"channel": "digest"})
    assert r.text == "failed 403"
    assert [m.content for m in psim.channel("announcements").messages] == ["one"]


@pytest.mark.parametrize(("kind", "error"), [("timeout", "TimeoutError"), ("disconnect", "ServerDisconnectedError")])
async def test_network_faults_reach_the_bot_as_they_would(psim: Sim, kind: str, error: str) -> None:
    psim.fail_next(kind=kind, route="POST /channels")  # type: ignore[arg-type]
    r = await psim.slash("probe post", text="lost", options={"channel": "announcements"})
    assert r.text == f"failed {error}"
    assert psim.channel("announcements").messages == []


async def test_a_slow_answer_arrives_late(psim: Sim) -> None:
    psim.fail_next(kind="slow", seconds=0.3, route="POST /channels")
    r = await psim.slash("probe post", text="slowly", options={"channel": "announcements"})
    assert r.text == "posted"


async def test_nonces_are_remembered_for_minutes_not_forever(psim: Sim) -> None:
    channel = psim.bot.get_channel(psim.channel("announcements").id)
    first = await channel.send("once", nonce="n-1")
    again = await channel.send("once", nonce="n-1")
    assert again.id == first.id
    psim.advance(minutes=rules.NONCE_SECONDS / 60 + 1)
    later = await channel.send("once", nonce="n-1")
    assert later.id != first.id
    assert [m.content for m in psim.channel("announcements").messages] == ["once", "once"]


async def test_posting_into_an_archived_thread_unarchives_it(psim: Sim) -> None:
    await psim.slash("probe thread", name="talk")
    thread = psim.thread("talk")
    await psim.archive(thread)
    channel = await psim.bot.fetch_channel(thread.id)
    await channel.send("back again")
    assert not thread.archived and thread.last.content == "back again"


async def test_one_initial_response_per_interaction(psim: Sim) -> None:
    r = await psim.slash("probe echo", text="first")
    token = next(t for t, rec in psim.server.interactions.items() if rec.result is r)
    reply = {"type": 4, "data": {"content": "second"}}
    with pytest.raises(discord.HTTPException, match="40060"):  # the 400 Discord answers
        psim.server.handle_webhook("POST", f"/interactions/1/{token}/callback", reply, [], {})
    assert broke(psim, "a second initial response")


def test_response_types_follow_the_interaction() -> None:
    assert rules.response_problems(4, 8) == []
    assert rules.response_problems(4, 4)  # autocomplete is answered with choices only
    assert rules.response_problems(2, 7)  # a slash command has no message to update
    assert rules.response_problems(5, 9)  # a modal cannot answer a modal


def test_eleven_embeds_are_refused() -> None:
    # discord.py refuses these itself before sending; the server would too.
    assert "11 embeds, over 10" in rules.embed_problems([{"title": "t"}] * 11)[0]


def test_component_limits() -> None:
    row = {"type": 1, "components": [{"type": 2, "custom_id": f"b{i}", "label": "ok"} for i in range(6)]}
    assert rules.component_problems([row])
    assert rules.component_problems([{"type": 1, "components": []}] * 6)
    long_id = {"type": 1, "components": [{"type": 2, "custom_id": "x" * 101, "label": "ok"}]}
    assert rules.component_problems([long_id])
    label = {"type": 1, "components": [{"type": 2, "custom_id": "a", "label": "l" * 81}]}
    assert rules.component_problems([label])
    select = {"type": 3, "custom_id": "s", "options": [{"label": "o", "value": str(i)} for i in range(26)]}
    assert rules.component_problems([{"type": 1, "components": [select]}])
    fine = {"type": 1, "components": [{"type": 2, "custom_id": f"b{i}", "label": "ok"} for i in range(5)]}
    assert rules.component_problems([fine] * 1) == []
