"""The compact name index: exact matches however many, neighbours, and add/remove kept in step."""

from __future__ import annotations

from bot.config import DEFAULT_LEGAL_SUFFIXES
from bot.services.leads.dedup import WINDOW, NameIndex, normalise_name


def _norm(name: str) -> str:
    return normalise_name(name, DEFAULT_LEGAL_SUFFIXES)


def test_every_exact_match_is_a_candidate_even_beyond_the_window() -> None:
    rows = [(f"p{i}", i, "Europeana Foundation", _norm("Europeana Foundation")) for i in range(1, 3 * WINDOW)]
    rows += [(f"p{i}", i, f"Archive {i:05d}", _norm(f"Archive {i:05d}")) for i in range(3 * WINDOW, 6 * WINDOW)]
    index = NameIndex.build(1, rows)
    found = index.candidates(_norm("Europeana"))
    assert {f"p{i}" for i in range(1, 3 * WINDOW)} <= found
    # Word order does not hide an exact match either.
    index.add("a1", 7, "Foundation Europeana Archive", _norm("Foundation Europeana Archive"))
    assert "a1" in index.candidates(_norm("Archive Europeana"))


def test_add_and_remove_keep_the_lists_in_step() -> None:
    index = NameIndex.build(1, [("p1", 1, "British Library", _norm("British Library"))])
    index.add("p2", 2, "British Library", _norm("British Library"))
    index.add("a5", 1, "BL", _norm("BL"))
    assert index.candidates(_norm("British Library")) >= {"p1", "p2"}
    index.remove("p1")
    index.remove("p1")  # twice is harmless
    assert "p1" not in index.candidates(_norm("British Library"))
    assert [m.lead_id for m in index.similar(_norm("British Library"), 88)] == [2]
    index.add("p2", 2, "Europeana", _norm("Europeana"))  # renamed: the old form goes
    assert index.similar(_norm("British Library"), 88) == []
    assert len(index) == 2
    for sorted_forms in (index._forward, index._backward, index._by_words):
        assert len(sorted_forms) == 2
        assert sorted_forms.forms == sorted(sorted_forms.forms)
