"""Shared fixtures: a started bot on a simulated server, on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.sim import Sim
from bot.sim.database import open_fresh


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """The ready-made server (alice, bob: working group; carol, erin: reviewers; dave: member)."""
    started = await Sim.start(tmp_path / "sim")
    try:
        yield started
    finally:
        await started.close()


@pytest.fixture
async def sim_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Sim]]]:
    """``await sim_factory(config={...})`` for a server with other settings."""
    started: list[Sim] = []

    async def make(**kwargs: Any) -> Sim:
        sim = await Sim.start(tmp_path / f"sim{len(started)}", **kwargs)
        started.append(sim)
        return sim

    try:
        yield make
    finally:
        for sim in started:
            await sim.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database."""
    database = await open_fresh(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.close()
