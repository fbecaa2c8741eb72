"""Work done on a worker thread (exports, the dedup index) without keeping the event loop waiting.

A Python thread busy with pure-Python work keeps the GIL until the interpreter's switch interval (5 ms)
forces it out, and the event loop's thread, back from waiting for sockets, queues for it behind that, and
behind the database thread too: measured, 10 to 50 ms stalls. Handing the GIL over every millisecond or so
keeps the loop's waits to about that, for a few per cent of the worker's speed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def paced(items: Iterable[T], every: int) -> Iterator[T]:
    """``items``, handing the GIL to any thread waiting for it after every ``every`` of them (choose
    ``every`` so that much work takes about a millisecond)."""
    for count, item in enumerate(items, 1):
        yield item
        if count % every == 0:
            time.sleep(0)  # releases the GIL: a waiting thread takes it now, not in up to 5 ms
