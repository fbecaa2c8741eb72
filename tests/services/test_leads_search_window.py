"""/lead search when a word matches more leads than bm25 ranks (EXACT_RANK): among the newest RANK_WINDOW
matches, names first, then aliases, then the rest, newest first."""

from __future__ import annotations

import pytest

from bot.services.leads import search
from bot.sim import Sim


async def _add(sim: Sim, partner: str, summary: str) -> str:
    r = await sim.slash("lead add", user="alice", partner=partner, level="local", direction="external", summary=summary)
    assert r.reply is not None and "L-" in r.reply.content, r.text
    return r.reply.content.split("L-", 1)[1].split()[0].strip("*`:·,.")


async def test_a_common_word_ranks_names_first_among_the_newest_matches(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    monkeypatch.setattr(search, "EXACT_RANK", 3)
    for n, word in enumerate(("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir")):
        await _add(sim, f"{word} Hall {n}", "Old archive of the museum collections.")
    named = await _add(sim, "Kaluvo Museum", "Digitisation of letters.")
    newer = [await _add(sim, f"{w} Works", "The museum lends its scans.") for w in ("Gum", "Hazel", "Ivy")]
    assert int(named) < int(newer[0])

    r = await sim.slash("lead search", user="alice", query="museum")
    assert r.ephemeral and r.reply is not None
    refs = [line.split("L-", 1)[1].split()[0].strip("*`:·,.[]()") for line in r.text.splitlines() if "L-" in line]
    # Only the newest four matches are ranked: the name match first, then the newest summary matches.
    assert refs == [named, *reversed(newer)]


async def test_a_rare_word_is_still_ranked_by_bm25(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    monkeypatch.setattr(search, "EXACT_RANK", 3)
    summary_only = await _add(sim, "Quercus Trust", "Friends of the Zorvath archive.")
    named = await _add(sim, "Zorvath Library", "Letters and maps.")
    r = await sim.slash("lead search", user="alice", query="zorvath")
    refs = [line.split("L-", 1)[1].split()[0].strip("*`:·,.[]()") for line in r.text.splitlines() if "L-" in line]
    assert refs == [named, summary_only]
