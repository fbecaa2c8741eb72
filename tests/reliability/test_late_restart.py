"""A post that reached Discord while its answer was lost is never posted twice, however late the next try.

Discord drops a repeated nonce only for a few minutes (bot/sim forgets it after three); past that, only the
bot's own record of the attempt (post_attempts) and a look at the channel keep a second copy out."""

from __future__ import annotations

from bot.services import checklists, outbox
from bot.sim import Sim
from tests.cogs.test_checklists import started
from tests.cogs.test_updates import _post, _rows

LATER = 30  # minutes: far beyond Discord's memory of a nonce


async def test_an_update_whose_answer_was_lost_is_not_posted_again_after_a_late_restart(sim: Sim) -> None:
    sim.fail_next(kind="lost", route="POST /channels", channel="announcements")
    done = await _post(sim)
    assert "is saved, but posting it" in done.text
    (copy,) = sim.channel("announcements").messages  # Discord has it; the bot does not know
    assert await outbox.pending(sim.db, sim.guild_id) == ["pb-update-1"]

    sim.advance(minutes=LATER)
    await sim.restart()
    await sim.tick()
    assert sim.channel("announcements").messages == [copy]
    (row,) = await _rows(sim)
    assert row["message_id"] == copy.id
    assert await outbox.pending(sim.db, sim.guild_id) == []


async def test_a_question_whose_answer_was_lost_is_not_asked_twice_after_a_late_restart(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    sim.fail_next(kind="lost", route=f"POST /channels/{thread.id}/messages")
    await sim.click(question, "Yes", user="alice")
    asked = [m for m in thread.messages if "Question 2 of 21" in m.text]
    assert len(asked) == 1  # Discord has it; the run does not know

    sim.advance(minutes=LATER)
    await sim.restart()
    await sim.tick()
    assert [m for m in thread.messages if "Question 2 of 21" in m.text] == asked
    run = await checklists.get_run(sim.db, sim.guild_id, 1)
    assert run.question_message_id == asked[0].id
    assert await outbox.pending(sim.db, sim.guild_id) == []


async def test_after_back_the_same_question_is_asked_again(sim: Sim) -> None:
    _, thread = await started(sim)
    await sim.click(thread.last, "Yes", user="alice")
    second = thread.last
    await sim.click(second, "Back", user="alice")
    again = [m for m in thread.messages if "Question 1 of 21" in m.text]
    assert len(again) == 2  # an earlier copy of the same question does not count as this step's post


async def test_a_refused_post_is_simply_retried(sim: Sim) -> None:
    sim.fail_next(503, route="POST /channels", channel="announcements")
    await _post(sim)
    assert sim.channel("announcements").messages == []
    sim.advance(minutes=LATER)
    await sim.tick()
    assert len(sim.channel("announcements").messages) == 1
