"""The simulated server's ids stay valid 64-bit snowflakes however many a run makes."""

from __future__ import annotations

from discord.ext.test import factories

import bot.sim  # noqa: F401  (installs the generator)
from bot.sim import ids


def test_ten_thousand_ids_are_unique_increasing_and_fit_sqlite() -> None:
    made = [factories.make_id() for _ in range(10_000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(0 < value < 2**63 for value in made)
    assert factories.make_id is ids.make_id
