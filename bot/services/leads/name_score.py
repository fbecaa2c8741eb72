"""How alike two partner names are, in their normal forms (``dedup.normalise_name``): the same name with
a typo, another ending or its words in another order, or a known name with a branch or a city added.

The word-based score (rapidfuzz ``ratio`` on the names and on their words sorted) sees typos and
reordering. It does not see an addition: ``中国国家图书馆北京`` is ``中国国家图书馆`` plus a city, but
Chinese, Japanese, Thai, Lao, Khmer and Burmese put no spaces between words (Korean runs a name's words
together too), so the two share no word and their ratio falls under the threshold; the same goes for
``BibliotecaNacionalMadrid`` written without spaces. So a second rule, *containment*: one name is the
other with something added before or after it, compared without spaces, and scores ``CONTAINED_SCORE``.
The guards against a short or generic name matching everything: the contained name must weigh at least
``MIN_CONTAINED_WEIGHT`` (``北京大学`` does, ``大学`` or ``图书馆`` does not) and be more than half of
the longer name, and it may not stop or start inside a word (``Universidad de Chile`` is not in
``Universidad de Chilecito``), except where the script writes no spaces or the longer name runs the
shorter one's words together.

And a guard on the word-based score: two names that differ in a word are the same name only if that
word differs by a typo, another ending or an abbreviation. ``Universidad de Chile`` and ``Universidad
de Chipre`` score 92.7, above the usual threshold, but Chile and Chipre are two different words.
"""

from __future__ import annotations

import bisect
from collections import Counter
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

#: The score of a name that is a known one with something added: a likely duplicate at the default
#: threshold (88), not at a stricter one (a threshold over 90 asks for near-identical names only).
CONTAINED_SCORE = 90.0
#: The least weight of a contained name: a character of its normal form weighs 1 (a letter, a digit, a
#: vowel sign), a Chinese character, a kana or a Hangul syllable (a syllable or a word each) 2. Four
#: Chinese characters, eight Latin letters. In a script with spaces it also needs two words: a single
#: word (``Biblioteca``, ``Museum``) is a generic noun as often as a name.
MIN_CONTAINED_WEIGHT = 8
#: The contained name is more than this share of the longer one (by weight): what is added (a branch, a
#: city) weighs less than the name itself. ``Acme Widgets`` is not ``Acme Widgets Cooperative``.
MIN_COVERAGE = 0.5
#: Two words differ by another ending when they share a prefix of at least this many characters...
STEM_MIN = 4
#: ...and at least this share of the shorter word, and neither ending is longer than ``ENDING_MAX``.
STEM_SHARE = 0.75
ENDING_MAX = 3

# Scripts that write no spaces between words (a cut between two of their characters may be a word
# boundary): start and end code points, sorted, each with the weight of one of its letters.
_UNSPACED: tuple[tuple[int, int, int], ...] = (
    (0x0E00, 0x0EFF, 1),  # Thai, Lao
    (0x1000, 0x109F, 1),  # Myanmar
    (0x1100, 0x11FF, 1),  # Hangul jamo
    (0x1780, 0x17FF, 1),  # Khmer
    (0x19E0, 0x19FF, 1),  # Khmer symbols
    (0x3000, 0x30FF, 2),  # CJK symbols (々), hiragana, katakana
    (0x3130, 0x318F, 1),  # Hangul compatibility jamo
    (0x31F0, 0x31FF, 2),  # katakana phonetic extensions
    (0x3400, 0x4DBF, 2),  # CJK extension A
    (0x4E00, 0x9FFF, 2),  # CJK unified ideographs
    (0xA960, 0xA97F, 1),  # Hangul jamo extended A
    (0xA9E0, 0xA9FF, 1),  # Myanmar extended B
    (0xAA60, 0xAA7F, 1),  # Myanmar extended A
    (0xAC00, 0xD7AF, 2),  # Hangul syllables
    (0xD7B0, 0xD7FF, 1),  # Hangul jamo extended B
    (0xF900, 0xFAFF, 2),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF, 2),  # CJK extensions B and on
)
_STARTS = [start for start, _end, _weight in _UNSPACED]


@lru_cache(maxsize=8192)
def _letter(ch: str) -> tuple[bool, int]:
    """Whether ``ch`` belongs to a script written without spaces, and its weight."""
    at = bisect.bisect_right(_STARTS, ord(ch)) - 1
    if at >= 0 and ord(ch) <= _UNSPACED[at][1]:
        return True, _UNSPACED[at][2]
    return False, 1


def weight(text: str) -> int:
    return sum(_letter(ch)[1] for ch in text)


def compact(norm: str) -> str:
    """A normal form without its spaces (the same object when it has none)."""
    return norm.replace(" ", "")


# -- the word-based score and its guard -------------------------------------------------------------


def _unshared(norm: str, other: str) -> tuple[str, str]:
    """The words of each name that the other lacks, in their order, run together."""
    words, other_words = norm.split(), other.split()
    shared = Counter(words) & Counter(other_words)

    def rest(ws: list[str]) -> str:
        left = shared.copy()
        kept = []
        for w in ws:
            if left[w]:
                left[w] -= 1
            else:
                kept.append(w)
        return "".join(kept)

    return rest(words), rest(other_words)


def same_words(norm: str, other: str) -> bool:
    """Whether what two names do not share is a typo, another ending or an abbreviation, rather than
    another word (``Chile`` and ``Chipre``). Words only one name has (a word added) pass; so do words
    written together in one and apart in the other."""
    mine, theirs = _unshared(norm, other)
    if not mine or not theirs:
        return True
    short, long = sorted((mine, theirs), key=len)
    budget = 1 + len(long) // 10
    if OSA.distance(short, long, score_cutoff=budget) <= budget:
        return True  # a typo: a letter missed, added, changed or swapped, one more per ten letters
    stem = next((i for i, (a, b) in enumerate(zip(short, long, strict=False)) if a != b), len(short))
    if stem >= STEM_MIN and stem >= STEM_SHARE * len(short) and len(long) - stem <= ENDING_MAX:
        return True  # another ending: Institute, Institution (not Chile, Chilecito)
    return 2 * len(short) <= len(long) and short[0] == long[0] and _within(short, long)  # Natl, National


def _within(short: str, long: str) -> bool:
    """Whether ``short`` is ``long`` with letters left out."""
    letters = iter(long)
    return all(ch in letters for ch in short)


# -- containment ------------------------------------------------------------------------------------


def _breaks(norm: str) -> set[int]:
    """Where the words of ``norm`` meet, as positions in its compact form."""
    found, at = set(), 0
    for word in norm.split(" ")[:-1]:
        at += len(word)
        found.add(at)
    return found


def contains(norm: str, norm_compact: str, other: str, other_compact: str) -> bool:
    """Whether one of the names is the other with something added before or after it (see the module's
    docstring for the guards)."""
    if len(norm_compact) < len(other_compact):
        short, short_c, long, long_c = norm, norm_compact, other, other_compact
    elif len(norm_compact) > len(other_compact):
        short, short_c, long, long_c = other, other_compact, norm, norm_compact
    else:
        return False
    at = long_c.find(short_c) if short_c else -1
    if at < 0:
        return False
    short_weight = weight(short_c)
    if short_weight < MIN_CONTAINED_WEIGHT or short_weight <= MIN_COVERAGE * weight(long_c):
        return False
    spaces = short.count(" ")
    if not spaces and not any(_letter(ch)[0] for ch in short_c):
        return False  # one word of a script with spaces
    breaks = _breaks(long)
    while at >= 0:
        end = at + len(short_c)
        # The longer name writes the shorter one's words together (BibliotecaNacionalMadrid): its own
        # word boundaries say nothing about where the shorter name ends.
        run_together = sum(1 for b in breaks if at < b < end) < spaces
        if run_together or (_may_cut(long_c, at, breaks) and _may_cut(long_c, end, breaks)):
            return True
        at = long_c.find(short_c, at + 1)
    return False


def _may_cut(text: str, at: int, breaks: set[int]) -> bool:
    """Whether a name may end (or start) at ``at`` of the compact ``text``: at either end, between two
    words, or beside a letter of a script that writes no spaces."""
    if at in (0, len(text)) or at in breaks:
        return True
    return _letter(text[at - 1])[0] or _letter(text[at])[0]


# -- the score --------------------------------------------------------------------------------------


def name_score(norm: str, words: str, norm_compact: str, other: str, other_words: str, threshold: float) -> float:
    """How alike two names are (0-100), given each one's normal form and its words sorted (and the first
    one's compact form); 0 when under ``threshold``."""
    if norm == other or words == other_words:
        return 100.0
    score = max(
        fuzz.ratio(norm, other, score_cutoff=threshold),
        fuzz.ratio(words, other_words, score_cutoff=threshold),
    )
    if score and same_words(norm, other):
        return score
    other_compact = compact(other)
    if (
        threshold <= CONTAINED_SCORE
        and (norm_compact in other_compact or other_compact in norm_compact)  # the cheap test first
        and contains(norm, norm_compact, other, other_compact)
    ):
        return CONTAINED_SCORE
    return 0.0
