"""The name index the leads service owns follows the service's own writes without being rebuilt, also when
a duplicate check arrives while a write is under way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.db import Database
from bot.services.leads import LeadDraft, LeadsService, register
from tests.services.test_leads_support import GUILD, NOW, OWNER, SETTINGS


def _draft(partner: str) -> LeadDraft:
    return LeadDraft(partner=partner, level="global", direction="external", summary="About them")


async def test_the_service_keeps_its_index_current_after_its_writes(db: Database) -> None:
    service = LeadsService(db, GUILD, SETTINGS, lambda: NOW)
    first = await service.log(_draft("Alder Trust"), owner_id=OWNER)
    index = service.names.index
    assert index is not None and first.lead is not None
    await service.log(_draft("Birch Archive"), owner_id=OWNER)
    await service.edit(first.lead.id, "aliases", "Alder Foundation", actor_id=OWNER)
    assert [d.partner for d in await service.duplicates("Birch Archives")] == ["Birch Archive"]
    assert [d.partner for d in await service.duplicates("Alder Foundation")] == ["Alder Trust"]
    assert service.names.index is index  # brought up to date, never rebuilt


async def test_a_check_during_a_write_waits_for_it_instead_of_rebuilding(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = LeadsService(db, GUILD, SETTINGS, lambda: NOW)
    await service.log(_draft("Alder Trust"), owner_id=OWNER)
    index = service.names.index
    committed, release = asyncio.Event(), asyncio.Event()
    insert = register.insert_lead

    async def slow_to_return(*args: Any, **kwargs: Any) -> register.Inserted:
        inserted = await insert(*args, **kwargs)
        committed.set()  # on disk: the database is a version ahead of the index until apply
        await release.wait()
        return inserted

    monkeypatch.setattr(register, "insert_lead", slow_to_return)
    adding = asyncio.create_task(service.log(_draft("Birch Archive"), owner_id=OWNER))
    await committed.wait()
    checking = asyncio.create_task(service.duplicates("Birch Archives"))
    await asyncio.sleep(0.05)
    assert not checking.done()  # waits for the write to reach the index...
    release.set()
    await adding
    assert [d.partner for d in await checking] == ["Birch Archive"]  # ...and then finds it
    assert service.names.index is index
