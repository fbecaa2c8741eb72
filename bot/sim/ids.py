"""Snowflake ids for the simulated server.

dpytest's ``factories.make_id`` puts a process-wide count in the snowflake's 12 increment bits without
wrapping it: from the 4,096th id on, the count spills over the worker bits and the ids soon no longer fit
in 64 bits (SQLite refuses them). A long test run makes far more ids than that, so the simulated server
uses this generator instead: time-based like Discord's, strictly increasing, always 64-bit.
"""

from __future__ import annotations

import time

from discord.ext.test import factories

DISCORD_EPOCH_MS = 1_420_070_400_000
_WORKER = 1 << 17  # worker 1, process 0, as dpytest uses

_last = 0


def make_id() -> int:
    global _last
    candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | _WORKER
    _last = max(candidate, _last + 1)
    return _last


def install() -> None:
    """Make dpytest's own factories (and bot/sim) use :func:`make_id`."""
    factories.make_id = make_id
