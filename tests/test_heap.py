"""The collector policy: survivors of a full pass are frozen, every so often handed back, and released
when a bot stops."""

from __future__ import annotations

import gc

from bot import heap


def test_survivors_of_a_full_pass_are_frozen_and_rescanned_now_and_then() -> None:
    heap.keep_full_collections_short()
    heap.keep_full_collections_short()  # once per process, however many bots
    assert sum(1 for cb in gc.callbacks if cb is heap._freezer) == 1
    try:
        gc.collect()
        if heap._freezer.full_passes % heap.RESCAN_EVERY:
            assert gc.get_freeze_count() > 0
        heap._freezer.full_passes = heap.RESCAN_EVERY - 1
        gc.collect()  # the rescan pass: everything is handed back
        assert gc.get_freeze_count() == 0
    finally:
        heap.release_frozen()


def test_cyclic_garbage_among_frozen_objects_is_freed_after_release() -> None:
    heap.keep_full_collections_short()

    class Node:
        pass

    node = Node()
    node.me = node  # type: ignore[attr-defined]
    gc.collect()  # survives: frozen
    del node
    heap.release_frozen()
    before = sum(1 for o in gc.get_objects() if type(o).__name__ == "Node")
    gc.collect()
    after = sum(1 for o in gc.get_objects() if type(o).__name__ == "Node")
    assert before >= after and after == 0
    heap.release_frozen()
