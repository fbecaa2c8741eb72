"""Discord's limits at scale, end to end through bot/sim: `/lead export` within the upload limit (zipped,
or refused with the filters that fit) and off the event loop; the name index warm-up in small hand-overs
while `/lead show` is served; long configured sectors and update areas as autocomplete choices."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
import sys
import threading
import time
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.config import DEFAULT_LEGAL_SUFFIXES
from bot.services.choices import CHOICE_MAX
from bot.services.leads import dedup, export_formats, seed
from bot.services.leads import names as names_module
from bot.services.leads.export import export_leads
from bot.sim import Sim
from tests.cogs.test_leads_support import lead_of, move_to, service_lead

Factory = Callable[..., Awaitable[Sim]]


def limit_uploads(sim: Sim, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """Set the cog's upload limit, in the module the bot loaded (each bot loads its extensions afresh)."""
    monkeypatch.setattr(sys.modules[type(sim.bot.get_cog("Leads")).__module__], "FILE_LIMIT", limit)


# -- /lead export ---------------------------------------------------------------------------------


async def test_export_over_the_limit_even_zipped_is_refused_with_the_filters_that_fit(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [await service_lead(sim, f"Partner {n}", summary=secrets.token_hex(400)) for n in range(12)]
    await move_to(sim, made[0], "assessing")
    limit_uploads(sim, monkeypatch, 4000)
    r = await sim.slash("lead export", user="alice", format="csv")
    assert r.ephemeral and not r.reply.attachments  # type: ignore[union-attr]
    assert "Too big for Discord: 12 leads as csv would be about" in r.text
    assert "MiB even zipped, over the 0.0 MiB a bot may upload." in r.text
    assert "Each of these statuses would fit; pick one with the `status` option: assessing (1)." in r.text
    assert "`partnerbot export --format csv --out leads.csv`" in r.text
    r = await sim.slash("lead export", user="alice", format="json", status="logged")
    assert "11 leads as json" in r.text and "would fit" not in r.text
    assert "`partnerbot export --format json --status logged --out leads.json`" in r.text
    r = await sim.slash("lead export", user="alice", format="json", status="logged", locale="fr")
    assert "Trop volumineux pour Discord\u202f: 11 pistes en json" in r.text


async def test_export_over_the_limit_plain_comes_zipped(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(30):
        await service_lead(sim, f"Partner {n}", summary=f"Open access to the collections of partner {n}. " * 8)
    plain = await export_leads(sim.db, sim.guild_id, "csv", now=sim.clock())
    limit_uploads(sim, monkeypatch, len(plain.data) // 2)
    r = await sim.slash("lead export", user="alice", format="csv")
    assert r.ephemeral and "30 leads exported as csv." in r.text and "The file is zipped" in r.text
    ((name, data),) = r.reply.attachments  # type: ignore[union-attr]
    assert name == plain.filename + ".zip" and len(data) <= len(plain.data) // 2
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unzipped = archive.read(plain.filename)
    assert unzipped == plain.data
    rows = list(csv.DictReader(io.StringIO(unzipped.decode("utf-8-sig"))))
    assert [row["partner"] for row in rows] == [f"Partner {n}" for n in range(30)]


async def test_export_is_made_off_the_event_loop_while_other_members_are_answered(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed.bulk_insert_leads(sim.db, sim.guild_id, 3000, sim.clock())
    loop_thread = threading.get_ident()
    threads: set[int] = set()
    halfway, resume = threading.Event(), threading.Event()
    made = export_formats._json_lead

    def watched(*args: Any) -> dict[str, Any]:
        threads.add(threading.get_ident())
        if not halfway.is_set() and args[0].id >= 1500:
            halfway.set()
            resume.wait(10)  # the export waits here, half done, while the test uses the bot
        return made(*args)

    monkeypatch.setattr(export_formats, "_json_lead", watched)
    worst = 0.0
    running = True

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst, last = max(worst, now - last), now

    ticking = asyncio.create_task(ticker())
    exporting = asyncio.create_task(sim.slash("lead export", user="alice", format="json"))
    await asyncio.to_thread(halfway.wait, 10)
    shown = await sim.slash("lead show", user="bob", lead="L-42")  # answered in the middle of the export
    assert shown.ephemeral and "L-42 · " in shown.text and not exporting.done()
    resume.set()
    exported = await exporting
    running = False
    await ticking
    assert "3000 leads exported as json." in exported.text
    assert threads and loop_thread not in threads  # every lead was written on a worker thread
    # Generous for a shared machine: the loop only hands pages over, though a garbage collection or the
    # GIL may still keep it some tens of milliseconds.
    assert worst < 0.25, f"the event loop stalled {worst * 1000:.0f} ms"


# -- the name index warm-up -------------------------------------------------------------------------


async def test_show_is_served_during_the_index_warm_up_made_of_small_hand_overs(
    sim_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seeded under the default legal suffixes, run with one more: the warm-up also redoes the normal forms.
    sim = await sim_factory(config={"leads": {"legal_suffixes": [*DEFAULT_LEGAL_SUFFIXES, "Archive"]}})
    await seed.bulk_insert_leads(sim.db, sim.guild_id, 2000, sim.clock())
    named = await lead_of(sim, 1234)
    monkeypatch.setattr(dedup, "BUILD_CHUNK", 200)
    monkeypatch.setattr(dedup, "RENORMALISE_CHUNK", 200)
    hand_overs: list[float] = []
    db_call, db_run_sync = sim.db.call, sim.db.run_sync

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args)
            finally:
                hand_overs.append(time.perf_counter() - start)

        return run

    monkeypatch.setattr(sim.db, "call", lambda fn, *args: db_call(timed(fn), *args))
    monkeypatch.setattr(sim.db, "run_sync", lambda fn, *args: db_run_sync(timed(fn), *args))
    halfway, resume = threading.Event(), threading.Event()
    renormalised = names_module._renormalised
    chunks = 0

    def paused(*args: Any) -> Any:
        nonlocal chunks
        chunks += 1
        if chunks == 3:
            halfway.set()
            resume.wait(10)  # the warm-up waits here, part done, while the test uses the bot
        return renormalised(*args)

    monkeypatch.setattr(names_module, "_renormalised", paused)
    suffixes = sim.settings.leads.legal_suffixes
    names = sim.bot.services.leads.names
    warm_up = asyncio.create_task(names.warm())  # as LeadsCog.cog_load
    await asyncio.to_thread(halfway.wait, 10)
    shown = await sim.slash("lead show", user="alice", lead="L-42")
    assert "L-42 · " in shown.text
    by_name = await sim.slash("lead show", user="alice", lead=named.partner)  # normal forms half redone
    assert f"L-1234 · {named.partner}" in by_name.text
    assert not warm_up.done() and names.building
    adding = asyncio.create_task(
        sim.slash(
            "lead add", user="dave", partner="Brand New Partner", level="global", direction="external", summary="Hi"
        )
    )
    await asyncio.sleep(0.05)
    assert not adding.done()  # the duplicate check waits for the index...
    resume.set()
    await warm_up
    index = names.index
    assert index is not None
    added = await adding
    assert added.deferred and "Logged L-2001: Brand New Partner." in added.text  # ...having answered Discord
    assert not names.building
    # Many small hand-overs to the database thread, not one holding it for the whole warm-up.
    assert len(hand_overs) > 2 * 2000 // 200
    assert max(hand_overs) < 0.2, f"the database thread was held {max(hand_overs) * 1000:.0f} ms"
    rows = await sim.db.fetchall(
        "SELECT 'p' || id, id, partner, partner_norm FROM leads UNION ALL "
        "SELECT 'a' || id, lead_id, alias, alias_norm FROM lead_aliases"
    )
    assert all(dedup.normalise_name(r[2], suffixes) == r[3] for r in rows)
    built = dedup.NameIndex.build(0, [tuple(r) for r in rows])
    assert index.entries == built.entries and index._forward.forms == built._forward.forms
    assert index._backward.forms == built._backward.forms and index._by_words.forms == built._by_words.forms


# -- long configured choices -----------------------------------------------------------------------

LONG_SECTOR = "Galleries, libraries, archives and museums" + " of the wider cultural heritage sector" * 3
ALIKE_SECTOR = LONG_SECTOR[:120] + " (community-run)"
LONG_AREA = "Partnerships with universities, research institutes" + " and learned societies across regions" * 3


def assert_fits(choices: list[dict[str, Any]]) -> None:
    for choice in choices:
        assert 1 <= len(choice["name"]) <= CHOICE_MAX and 1 <= len(choice["value"]) <= CHOICE_MAX, choice


async def test_a_long_sector_is_offered_within_discords_limits_and_picking_it_works(sim_factory: Factory) -> None:
    assert len(LONG_SECTOR) >= 150 and len(ALIKE_SECTOR) > CHOICE_MAX
    sim = await sim_factory(config={"leads": {"sectors": ["GLAM", LONG_SECTOR, ALIKE_SECTOR]}})
    choices = await sim.autocomplete("lead add", "sector", "galleries", user="dave")
    assert_fits(choices)
    assert [c["name"] for c in choices] == [LONG_SECTOR[:99] + "…", ALIKE_SECTOR[:99] + "…"]
    long_value, alike_value = (c["value"] for c in choices)
    r = await sim.slash(
        "lead add", user="dave", partner="Europeana", level="global", direction="external", sector=long_value,
        summary="Open access",
    )  # fmt: skip
    assert "Logged L-1" in r.text, r.text
    r = await sim.slash(
        "lead add", user="dave", partner="Other Museum", level="local", direction="external", sector=alike_value,
        summary="Community archive",
    )  # fmt: skip
    assert "Logged L-2" in r.text, r.text
    assert ((await lead_of(sim, 1)).sector, (await lead_of(sim, 2)).sector) == (LONG_SECTOR, ALIKE_SECTOR)
    listed_choices = await sim.autocomplete("lead list", "sector", "", user="dave")
    assert_fits(listed_choices)
    listed = await sim.slash("lead list", user="dave", sector=long_value)
    assert "Europeana" in listed.text and "Other Museum" not in listed.text
    r = await sim.slash("lead edit", user="alice", lead="L-1", field="sector", value=alike_value)
    assert "L-1: sector updated." in r.text and (await lead_of(sim, 1)).sector == ALIKE_SECTOR


async def test_a_long_update_area_is_offered_within_discords_limits_and_picking_it_works(
    sim_factory: Factory,
) -> None:
    assert len(LONG_AREA) >= 150
    sim = await sim_factory(config={"updates": {"areas": ["legal", LONG_AREA]}})
    choices = await sim.autocomplete("update post", "area", "universities", user="alice")
    assert_fits(choices)
    ((choice),) = choices
    assert choice["name"] == LONG_AREA[:99] + "…"
    r = await sim.slash("update post", user="alice", area=choice["value"])
    assert r.modal is not None, r.text
    done = await sim.submit(r.modal, {"title": "Met a university", "body": "They want to host an editathon."})
    assert "saved and posted" in done.text
    assert await sim.db.fetchval("SELECT area FROM updates") == LONG_AREA
    assert_fits(await sim.autocomplete("update post", "area", "", user="alice"))
