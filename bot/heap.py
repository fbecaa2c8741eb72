"""Keeping the cycle collector's full passes short on a large register.

CPython's cycle collector walks every tracked object it has not been told to leave alone. With a large
register in memory (the duplicate-name index, the caches, discord.py's state), a full pass took 20-80 ms,
and whichever thread starts it holds the GIL meanwhile: the event loop, and so every member, waited. The
export, the dedup warm-up and the digest were measured stalling the loop that way.

What survives a full pass is long-lived by definition, so after each full pass it is moved out of the
collector's sight (``gc.freeze``): the next pass looks only at what is new. Every
:data:`RESCAN_EVERY`-th pass the frozen objects are handed back first (``gc.unfreeze``), so a cycle that
became garbage among them is still freed, at the cost of one long pass now and then. Reference counting
frees everything else as usual, frozen or not.
"""

from __future__ import annotations

import gc
from typing import Any

#: One full pass in this many looks at everything again.
RESCAN_EVERY = 32


class _FreezeSurvivors:
    def __init__(self) -> None:
        self.full_passes = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        self.full_passes += 1
        if self.full_passes % RESCAN_EVERY == 0:
            gc.unfreeze()
        else:
            gc.freeze()


_freezer = _FreezeSurvivors()


def keep_full_collections_short() -> None:
    """Install the policy for this process (once, however many bots it builds)."""
    if _freezer not in gc.callbacks:
        gc.callbacks.append(_freezer)


def freeze_now() -> None:
    """Set everything alive now aside at once (at start, once the bot is ready): the first full pass then
    does not have to walk the whole start-up heap while a member waits."""
    gc.freeze()


def release_frozen() -> None:
    """Hand every frozen object back to the collector: a bot that stops leaves nothing pinned."""
    gc.unfreeze()
