"""Duplicate detection: partner names normalised for comparison, and an in-memory name index per guild
that finds similar names and aliases without scanning every lead.

Normalising: Unicode NFKC, case folding, accents folded for Latin letters only (an accent on a Latin
letter is a spelling variant; a combining mark in Devanagari, Arabic, Hebrew, Thai or Cyrillic is part of
the letter and is kept), punctuation and symbols to spaces, invisible format characters dropped, and
configured legal suffixes (Inc, GmbH, e.V., Foundation...) removed from either end.

Finding: exact matches by dictionary; fuzzy ones by *sorted neighbourhood* blocking: every name sits in
three sorted lists (without its spaces, the same reversed, and with its words sorted), a new name looks at
a window of neighbours in each (a typo near the end keeps the prefix, one near the start keeps the
suffix, swapped words keep the sorted form; a branch or a city added after a known name keeps it as the
prefix, one added before it as the suffix, in any script and with or without spaces), and only those few
hundred candidates are scored (``name_score``: rapidfuzz on the words, and containment, a known name with
something added, which scripts written without spaces need). The cost is O(log n) plus a constant, so
100k leads check as fast as 1k.

Building the index from the database and keeping it current is :mod:`bot.services.leads.names`'.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from bot.services.leads.name_score import compact, name_score
from bot.services.pacing import paced

#: Bump when the normalisation changes, so stored normal forms are recomputed.
NORMALISER_VERSION = 1
#: Neighbours looked at on each side in each sorted list.
WINDOW = 48
STATE_KEY = "leads.name_rules"
#: Rows read per hand-over to the database thread while the index is built (about a millisecond each).
BUILD_CHUNK = 1000
#: Rows whose stored normal form is redone per hand-over: each rewritten row also runs a trigger, so a
#: quarter as many (some 5 ms), each chunk its own short transaction.
RENORMALISE_CHUNK = 250
#: Builds tried when names keep changing under them; after that the index is kept marked as stale.
BUILD_ATTEMPTS = 3

# Latin letters that carry their "accent" in the base character rather than a combining mark.
_LATIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ŋ": "n",
        "ſ": "s",
    }
)


@lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def fold_latin(text: str) -> str:
    """Remove accents from Latin letters only; marks on any other script's letters stay."""
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch)[0] == "M":
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_LATIN_LETTERS)


def _words(text: str) -> list[str]:
    text = fold_latin(unicodedata.normalize("NFKC", text).casefold())
    chars = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":  # zero-width joiners, direction marks, soft hyphens
            continue
        chars.append(" " if category[0] in "PSZC" else ch)
    return "".join(chars).split()


@lru_cache(maxsize=16)
def _suffix_words(suffixes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    found = {tuple(_words(s)) for s in suffixes}
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def normalise_name(name: str, legal_suffixes: Iterable[str] = ()) -> str:
    """The form two names are compared in: ``"Europeana Foundation, Inc."`` -> ``"europeana"``."""
    words = _words(name)
    suffixes = _suffix_words(tuple(legal_suffixes))
    changed = True
    while changed and len(words) > 1:
        changed = False
        for suffix in suffixes:
            size = len(suffix)
            if len(words) > size and tuple(words[-size:]) == suffix:
                del words[-size:]
                changed = True
                break
            if len(words) > size and tuple(words[:size]) == suffix:
                del words[:size]
                changed = True
                break
    return " ".join(words)


@lru_cache(maxsize=16)
def rules_fingerprint(legal_suffixes: tuple[str, ...]) -> str:
    """Identifies the normalisation rules the stored normal forms were made with."""
    text = f"{NORMALISER_VERSION}|" + "|".join(sorted(set(legal_suffixes)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sorted_form(norm: str) -> str:
    return " ".join(sorted(norm.split()))


@dataclass(frozen=True)
class NameMatch:
    """An existing lead whose name or alias is like the new one."""

    lead_id: int
    name: str
    score: float


#: An index entry, under its key ("p<lead id>" for a partner name, "a<alias id>" for an alias): (lead id,
#: name as written, normal form, its words sorted). A plain tuple of strings and an int, which the garbage
#: collector stops tracking: 100k objects it tracked would add some 15 ms to each full collection for as
#: long as the bot runs (and stall the event loop for that long).
_Entry = tuple[int, str, str, str]
_NORM: Final = 2
_SORTED: Final = 3


def _free(runs: list[SortedForms]) -> None:
    """Empty merged runs a few at a time (freeing 100k pairs at once holds the GIL for tens of ms)."""
    for run in paced(runs, 10):
        run.forms.clear()
        run.keys.clear()
    runs.clear()


class SortedForms:
    """Forms in sorted order with the key of each, as two parallel lists (a list of pairs would cost a
    tuple per entry: at 100k leads, tens of megabytes). Equal forms sit together in any order.

    With ``rank``, the forms are kept in the order of ``rank(form)``, and probes (``equal``, ``around``)
    are ranks: the list sorted by compact forms holds the normal forms the entries already have, where
    the compact forms themselves would be new strings (some 7 MB at 100k names)."""

    __slots__ = ("forms", "keys", "rank")

    def __init__(self, pairs: Iterable[tuple[str, str]] = (), rank: Callable[[str], str] | None = None) -> None:
        forms: list[str] = []
        keys: list[str] = []
        for form, key in pairs:
            forms.append(form)
            keys.append(key)
        order = sorted(range(len(forms)), key=forms.__getitem__ if rank is None else lambda i: rank(forms[i]))
        self.forms = [forms[i] for i in order]
        self.keys = [keys[i] for i in order]
        self.rank = rank

    def __len__(self) -> int:
        return len(self.forms)

    @classmethod
    def merged(cls, runs: Sequence[SortedForms], rank: Callable[[str], str] | None = None) -> SortedForms:
        """From sorted runs: merged in Python, a pair at a time, so the thread doing it lets others run
        (one ``sorted`` of 100k forms would hold the GIL for some 50 ms)."""
        made = cls(rank=rank)
        forms, keys = made.forms, made.keys
        pairs = (zip(run.forms, run.keys, strict=True) for run in runs)
        for form, key in paced(heapq.merge(*pairs, key=_pair_rank(rank)), 2000):
            forms.append(form)
            keys.append(key)
        return made

    def _of(self, form: str) -> str:
        return form if self.rank is None else self.rank(form)

    def add(self, form: str, key: str) -> None:
        at = bisect.bisect_right(self.forms, self._of(form), key=self.rank)
        self.forms.insert(at, form)
        self.keys.insert(at, key)

    def remove(self, form: str, key: str) -> None:
        probe = self._of(form)
        at = bisect.bisect_left(self.forms, probe, key=self.rank)
        while at < len(self.forms) and self._of(self.forms[at]) == probe:
            if self.keys[at] == key:
                del self.forms[at]
                del self.keys[at]
                return
            at += 1

    def equal(self, probe: str) -> list[str]:
        """The keys of every entry with exactly this form (or rank)."""
        at = bisect.bisect_left(self.forms, probe, key=self.rank)
        end = bisect.bisect_right(self.forms, probe, lo=at, key=self.rank)
        return self.keys[at:end]

    def around(self, probe: str, window: int) -> list[str]:
        """The keys of the ``window`` forms before ``probe`` in sorted order and the ``window`` after."""
        at = bisect.bisect_left(self.forms, probe, key=self.rank)
        return self.keys[max(0, at - window) : at + window]


def _pair_rank(rank: Callable[[str], str] | None) -> Callable[[tuple[str, str]], Any] | None:
    """How (form, key) pairs are ordered in a run: as tuples, or by the rank of the form."""
    return None if rank is None else lambda pair: rank(pair[0])


class NameIndex:
    """All partner names and aliases of one guild, searchable by similarity.

    Kept small, since it lives in memory for as long as the bot runs: entries are plain tuples, the sorted
    lists are parallel lists of strings the entries share, and exact matches are found in those
    lists too (equal forms sit together) rather than in a dictionary of their own."""

    def __init__(self, version: int, fingerprint: str = "") -> None:
        self.version = version
        self.fingerprint = fingerprint
        self.entries: dict[str, _Entry] = {}
        self._forward = SortedForms(rank=compact)
        self._backward = SortedForms()
        self._by_words = SortedForms()

    def __len__(self) -> int:
        return len(self.entries)

    @staticmethod
    def _entry(lead_id: int, name: str, norm: str) -> _Entry:
        words = sorted_form(norm)
        return (lead_id, name, norm, norm if words == norm else words)

    @classmethod
    def build(cls, version: int, rows: Iterable[tuple[str, int, str, str]], fingerprint: str = "") -> NameIndex:
        index = cls(version, fingerprint)
        for key, lead_id, name, norm in rows:
            index.entries[key] = cls._entry(lead_id, name, norm)
        entries = index.entries.items()
        index._forward = SortedForms(((e[_NORM], key) for key, e in entries), rank=compact)
        index._backward = SortedForms((compact(e[_NORM])[::-1], key) for key, e in entries)
        index._by_words = SortedForms((e[_SORTED], key) for key, e in entries)
        return index

    def add_chunk(self, rows: Iterable[tuple[str, int, str, str]], runs: tuple[list[SortedForms], ...]) -> None:
        """Make the entries of ``rows`` (key, lead id, name, normal form) and add one sorted run per list
        to ``runs`` (forward, backward, by words), for :meth:`finish` to merge."""
        made = [(key, self._entry(lead_id, name, norm)) for key, lead_id, name, norm in paced(rows, 400)]
        self.entries.update(made)
        forward, backward, by_words = runs
        # Runs are parallel lists too: a (form, key) tuple per entry and list, held until the merge, would
        # add some 17 MB to the peak at 100k names.
        forward.append(SortedForms(((e[_NORM], key) for key, e in made), rank=compact))
        backward.append(SortedForms((compact(e[_NORM])[::-1], key) for key, e in made))
        by_words.append(SortedForms((e[_SORTED], key) for key, e in made))

    def finish(self, runs: tuple[list[SortedForms], ...]) -> None:
        """Merge the runs :meth:`add_chunk` made into the sorted lists, then free them here, a run at a
        time (freed wherever their last reference went, 300k pairs would hold the GIL some 40 ms)."""
        forward, backward, by_words = runs
        # One list at a time, its runs freed before the next is merged: the runs of all three at once,
        # beside the merged lists, set the process's peak memory.
        self._forward = SortedForms.merged(forward, rank=compact)
        _free(forward)
        self._backward = SortedForms.merged(backward)
        _free(backward)
        self._by_words = SortedForms.merged(by_words)
        _free(by_words)

    def release(self) -> None:
        """Empty a replaced index a slice at a time, on a worker thread, for the same reason."""
        for key in paced(list(self.entries), 2000):
            del self.entries[key]
        for sorted_forms in (self._forward, self._backward, self._by_words):
            for values in (sorted_forms.forms, sorted_forms.keys):
                while values:
                    del values[-20000:]
                    time.sleep(0)  # hand the GIL over between slices

    def add(self, key: str, lead_id: int, name: str, norm: str) -> None:
        self.remove(key)
        entry = self._entry(lead_id, name, norm)
        self.entries[key] = entry
        self._forward.add(entry[_NORM], key)
        self._backward.add(compact(entry[_NORM])[::-1], key)
        self._by_words.add(entry[_SORTED], key)

    def remove(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        self._forward.remove(entry[_NORM], key)
        self._backward.remove(compact(entry[_NORM])[::-1], key)
        self._by_words.remove(entry[_SORTED], key)

    def candidates(self, norm: str) -> set[str]:
        """Keys of the entries worth scoring against ``norm``."""
        words, norm_compact = sorted_form(norm), compact(norm)
        # Every exact match (however many share the form, in any word order), then the neighbours.
        found = set(self._forward.equal(norm_compact))
        found.update(self._by_words.equal(words))
        found.update(self._forward.around(norm_compact, WINDOW))
        found.update(self._backward.around(norm_compact[::-1], WINDOW))
        found.update(self._by_words.around(words, WINDOW))
        return found

    def similar(self, norm: str, threshold: float, *, limit: int = 3) -> list[NameMatch]:
        """The leads whose name or an alias scores at least ``threshold`` (0-100), best first."""
        if not norm:
            return []
        words, norm_compact = sorted_form(norm), compact(norm)
        best: dict[int, NameMatch] = {}
        for key in self.candidates(norm):
            lead_id, name, entry_norm, entry_words = self.entries[key]
            score = name_score(norm, words, norm_compact, entry_norm, entry_words, threshold)
            if score:
                current = best.get(lead_id)
                if current is None or score > current.score:
                    best[lead_id] = NameMatch(lead_id, name, round(score, 1))
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.lead_id))
        return ranked[:limit]
