"""Snowflake ids for the simulated server.

dpytest's ``factories.make_id`` puts a process-wide count in the snowflake's 12 increment bits without
wrapping it: from the 4,096th id on, the count spills over the worker bits and the ids soon no longer fit
in 64 bits (SQLite refuses them). A long test run makes far more ids than that, so the simulated server
uses this generator instead: time-based like Discord's, strictly increasing, always 64-bit.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager

from discord.ext.test import factories

DISCORD_EPOCH_MS = 1_420_070_400_000
_WORKER = 1 << 17  # worker 1, process 0, as dpytest uses

_last = 0
_fixed: Iterator[int] | None = None


def make_id() -> int:
    global _last
    if _fixed is not None:
        return next(_fixed)
    candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | _WORKER
    _last = max(candidate, _last + 1)
    return _last


def install() -> None:
    """Make dpytest's own factories (and bot/sim) use :func:`make_id`."""
    factories.make_id = make_id


@contextmanager
def fixed_ids(first: int) -> Iterator[None]:
    """Ids counted up from ``first`` while the block runs (the sandbox builds its server this way, so a kept
    database still matches it), then time-based ones again. :func:`end_fixed_ids` ends it early."""
    global _fixed
    _fixed = itertools.count(first)
    try:
        yield
    finally:
        _fixed = None


def end_fixed_ids() -> None:
    global _fixed
    _fixed = None


def make_ids_after(last: int) -> None:
    """Make every id from now on greater than ``last`` (an id kept from an earlier run), as Discord's are."""
    global _last
    _last = max(_last, last)
