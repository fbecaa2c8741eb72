"""The probe extension's server, for the tests of bot/sim itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sim import Sim


@pytest.fixture
async def psim(tmp_path: Path) -> AsyncIterator[Sim]:
    """A bot with tests/sim/probe.py loaded beside its cogs. A test that breaks one of Discord's rules on
    purpose checks and clears ``server.violations`` itself; any other fails at teardown, naming it."""
    started = await Sim.start(tmp_path / "sim", extensions=["tests.sim.probe"])
    try:
        yield started
    finally:
        await started.close()
