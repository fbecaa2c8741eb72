"""The attacks on anonymous feedback, played through bot/sim: each must learn nothing.

1. *Order from storage*: members log a lead, then send feedback; someone holding the files (or a backup)
   ranks the items by where their bytes sit (page, then place in the page: SQLite fills a page from its
   end, so a later row usually sits lower) and pairs them with the leads' exact times to name authors.
2. *n-1*: a working-group member watches for a new item, then sends ``min_batch - 1`` items of her own so
   that the one item that is not hers is released, alone among hers.
3. *Every copy*: a retracted item's text, once in a digest, must be gone from every byte on disk.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.db import feedback_path
from bot.services import feedback
from bot.sim import Sim
from tests.cogs.test_feedback_support import db_bytes, read, scheduled_digest, send_by_dm
from tests.cogs.test_leads_support import add_lead

RUNS = 12
MEMBERS = 10


def kendall_tau(order: list[int]) -> float:
    """Kendall's tau between ``order`` (a ranking of 0..n-1) and the identity: 1 is the same order."""
    n = len(order)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if order[i] < order[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def file_rank(data: bytes, markers: list[str], page_size: int) -> list[int]:
    """The attacker's guess at the arrival order: by page, then from the page's end towards its start
    (where SQLite puts a page's later rows). Returns the true arrival index of each marker, guessed order."""
    places = []
    for arrival, marker in enumerate(markers):
        offset = data.find(marker.encode())
        assert offset >= 0, "the scan must find text that is still there"
        places.append(((offset // page_size, -(offset % page_size)), arrival))
    return [arrival for _, arrival in sorted(places)]


def page_size(path: Path) -> int:
    raw = int.from_bytes(path.read_bytes()[16:18], "big")
    return 65536 if raw == 1 else raw


async def one_run(sim: Sim) -> tuple[list[str], list[str], list[bytes]]:
    """Ten members each log a lead and then send feedback, one after another. Returns the markers in
    arrival order, the members in that order, and the byte images an attacker could hold."""
    markers, authors = [], []
    for n in range(MEMBERS):
        name = f"member{n}"
        if not any(u.name == name for u in sim.server.users.values()):
            sim.add_member(name)
        await add_lead(sim, f"Partner {n} {secrets.token_hex(3)}", user=name)
        marker = f"FEEDBACKMARK{secrets.token_hex(8)}"
        await send_by_dm(sim, name, f"{marker} what I think about the process")
        markers.append(marker)
        authors.append(name)
        sim.advance(seconds=37)
    backup = Path(sim.settings.database).with_name("backup.db")
    await sim.db.backup(backup)
    images = [db_bytes(sim), feedback_path(backup).read_bytes()]
    return markers, authors, images


async def test_the_files_do_not_give_the_order_or_the_author_of_feedback(sim_factory: Any) -> None:
    taus: list[float] = []
    guesses = right = 0
    for _ in range(RUNS):
        sim = await sim_factory(config={"feedback": {"per_day": 50}})
        markers, authors, images = await one_run(sim)
        store = feedback_path(sim.settings.database)
        # No log of past writes beside the feedback store, and none of its text in the main database.
        assert read(f"{store}-wal") == read(f"{store}-journal") == b""
        main = read(sim.settings.database) + read(f"{sim.settings.database}-wal")
        assert not any(m.encode() in main for m in markers)
        # The store's modification time says nothing finer than the day.
        assert os.stat(store).st_mtime % 86400 == 0
        size = page_size(store)
        for image in images:
            guessed = file_rank(image, markers, size)
            taus.append(kendall_tau(guessed))
            # Leads are logged in order, with exact times: pair the i-th guessed item with the i-th lead.
            for position, arrival in enumerate(guessed):
                guesses += 1
                right += authors[position] == authors[arrival]
        await sim.close()
        shutil.rmtree(Path(sim.settings.database).parent / "logs", ignore_errors=True)
    mean_tau = sum(taus) / len(taus)
    # Chance: tau averages 0 (one run's sd is 0.26 for ten items; the mean of 24 images has sd 0.05)
    # and one author guess in ten is right. Stored in arrival order, tau was 1.0 and every guess right.
    assert abs(mean_tau) < 0.25, f"order leaks: mean Kendall tau {mean_tau:.2f} over {len(taus)} images"
    assert right / guesses < 0.25, f"authors named {right} times out of {guesses} (chance: {guesses // MEMBERS})"


async def test_one_member_cannot_single_out_another_members_item(sim_factory: Any) -> None:
    """The n-1 attack: alice (working group) polls, sees nothing move, floods the queue with her own items,
    forces a digest and waits for the schedule; the victim's item is never released alone among hers."""
    sim = await sim_factory(config={"feedback": {"per_day": 50, "min_batch": 3}})
    await scheduled_digest(sim)  # a baseline digest: the next one is a week away
    before = await sim.slash("feedback review", user="alice")
    await send_by_dm(sim, "dave", "VICTIMTEXT the intake form is confusing")
    after = await sim.slash("feedback review", user="alice")
    assert before.text == after.text  # polling shows no count that could move
    for i in range(5):  # min_batch - 1 and more: all hers
        await send_by_dm(sim, "alice", f"ATTACKER item {i}")
    forced = await sim.slash("digest send", user="alice")  # a manual digest never releases
    assert forced.ephemeral
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    await scheduled_digest(sim)  # two members so far: fewer than three
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    posted = "\n".join(m.text for m in sim.channel("digest").messages)
    assert "VICTIMTEXT" not in posted and "ATTACKER" not in posted
    review = await sim.slash("feedback review", user="alice")
    assert "VICTIMTEXT" not in review.text
    # A third member: now the batch is released whole, at the schedule, the victim among everyone.
    await send_by_dm(sim, "erin", "a third voice")
    await scheduled_digest(sim)
    [batch] = await feedback.released_batches(sim.db, sim.guild_id)
    assert len(batch.items) == 7
    assert "VICTIMTEXT" in "\n".join(m.text for m in sim.channel("digest").messages)


async def test_items_waiting_across_a_restart_count_as_no_member(sim_factory: Any) -> None:
    sim = await sim_factory(config={"feedback": {"min_batch": 3}})
    await scheduled_digest(sim)
    await send_by_dm(sim, "dave", "before the restart, from dave")
    await send_by_dm(sim, "erin", "before the restart, from erin")
    await sim.restart()  # who sent what is forgotten
    await send_by_dm(sim, "dave", "after the restart, dave again")
    await send_by_dm(sim, "carol", "after the restart")
    await scheduled_digest(sim)
    # Two known members (dave's first item no longer counts for him: it could have been anyone's).
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    await send_by_dm(sim, "bob", "one more member")
    await scheduled_digest(sim)
    [batch] = await feedback.released_batches(sim.db, sim.guild_id)
    assert len(batch.items) == 5  # the unknown ones go out with a batch of three known members


async def test_a_retracted_item_leaves_no_copy_anywhere(sim_factory: Any) -> None:
    """Released, posted in a digest, then retracted: no byte of it is left in either database file or
    any log beside them (the digest's own record of what it posted included)."""
    sim = await sim_factory(config={"feedback": {"min_batch": 3}})
    await scheduled_digest(sim)
    secret = f"RETRACTME{secrets.token_hex(8)}"
    code = await send_by_dm(sim, "dave", f"{secret} please forget this")
    await send_by_dm(sim, "erin", "KEEPME one")
    await send_by_dm(sim, "carol", "KEEPME two")
    await scheduled_digest(sim)
    assert secret in "\n".join(m.text for m in sim.channel("digest").messages)
    done = await sim.dm("dave", code)
    assert "deleted" in done[-1].text.lower()
    assert secret.encode() not in db_bytes(sim)
    assert b"KEEPME one" in db_bytes(sim)  # the scan does find what is still there


async def test_a_digest_not_yet_posted_loses_a_retracted_item(sim_factory: Any) -> None:
    """The digest is recorded (rendered) before it is posted; Discord refuses it for a while; meanwhile
    the item is retracted. The part posted later says it was withdrawn, and the text is nowhere."""
    sim = await sim_factory(config={"feedback": {"min_batch": 3}})
    await scheduled_digest(sim)
    secret = f"WITHDRAWN{secrets.token_hex(8)}"
    code = await send_by_dm(sim, "dave", f"{secret} second thoughts")
    await send_by_dm(sim, "erin", "another view")
    await send_by_dm(sim, "carol", "a third view")
    digest_channel = sim.channel("digest")
    sim.fail_next(503, count=50, channel="digest")
    await scheduled_digest(sim)
    assert secret not in "\n".join(m.text for m in digest_channel.messages)
    assert secret.encode() in db_bytes(sim)  # recorded, waiting to be posted
    await sim.dm("dave", code)
    assert secret.encode() not in db_bytes(sim)
    sim.server.faults.clear()
    await sim.tick()
    posted = "\n".join(m.text for m in digest_channel.messages)
    assert secret not in posted
    assert "withdrawn by its author" in posted and "another view" in posted


def test_kendall_tau_reads_order() -> None:
    assert kendall_tau([0, 1, 2, 3]) == 1.0
    assert kendall_tau([3, 2, 1, 0]) == -1.0
    assert datetime(2026, 1, 1, tzinfo=UTC).timestamp() % 86400 == 0


async def test_wrong_retraction_codes_are_throttled_per_member_in_memory(sim: Sim) -> None:
    code = await send_by_dm(sim, "dave", "THROTTLED keep me")
    wrong = "0000-0000-0000-0000"
    for _ in range(20):
        r = await sim.slash("feedback retract", user="erin", code=wrong)
        assert "No feedback matches" in r.text or "code" in r.text.lower()
    refused = await sim.slash("feedback retract", user="erin", code=code)
    assert refused.ephemeral and "Too many wrong retraction codes today" in refused.text
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 1  # nothing changed
    # Another member is not held back by erin's tries, and the next day erin may try again.
    mine = await sim.slash("feedback retract", user="dave", code=code)
    assert "deleted" in mine.text.lower()
    sim.advance(days=1)
    again = await sim.slash("feedback retract", user="erin", code=wrong)
    assert "Too many" not in again.text


async def test_a_release_is_logged_only_at_the_scheduled_digest(sim: Sim, caplog: Any) -> None:
    """The release log line's time is the digest's schedule, never an item's arrival."""
    await scheduled_digest(sim)
    caplog.set_level("INFO")
    for name in ("dave", "erin", "carol"):
        await send_by_dm(sim, name, f"from {name}")
    assert not [r for r in caplog.records if "released feedback batch" in r.getMessage()]
    await scheduled_digest(sim)
    assert [r.getMessage() for r in caplog.records if "released feedback batch" in r.getMessage()] == [
        "released feedback batch 1"
    ]
