"""Finding a server, channel or role by the name an admin types: the exact name first, then the same name
in any case (and, for channels, with spaces for hyphens, as Discord writes them); an id always works."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["server", "channel", "role"]

#: Names listed in one line before "and N more".
MAX_LISTED = 30


@dataclass(frozen=True)
class Named:
    """A server, channel or role: what setup shows and matches."""

    id: int
    name: str


def shown(kind: Kind, name: str) -> str:
    """A name as Discord shows it: ``#leads``, ``"Reviewers"``, ``"Partnerships sandbox"``."""
    return f"#{name}" if kind == "channel" else f'"{name}"'


def _fold(kind: Kind, name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    if kind == "channel":
        return re.sub(r"\s+", "-", folded)
    return re.sub(r"\s+", " ", folded)


def bare(kind: Kind, name: str) -> str:
    """What was typed without the ``#`` or ``@`` people put in front of a channel or a role."""
    name = name.strip()
    prefix = {"channel": "#", "role": "@"}.get(kind)
    return name[1:].strip() if prefix and name.startswith(prefix) else name


def find(kind: Kind, name: str, among: Sequence[Named]) -> list[Named]:
    """Every match for ``name``: one, several (ambiguous) or none."""
    wanted = bare(kind, name)
    if wanted.isdigit():
        by_id = [n for n in among if str(n.id) == wanted]
        if by_id:
            return by_id
    exact = [n for n in among if n.name == wanted]
    if exact:
        return exact
    return [n for n in among if _fold(kind, n.name) == _fold(kind, wanted)]


def listing(kind: Kind, things: Iterable[Named], *, ids: bool = False) -> str:
    """``#a, #b, #c`` (with ids when asked), at most :data:`MAX_LISTED` before "and N more"."""
    names = [shown(kind, n.name) + (f" (id {n.id})" if ids else "") for n in things]
    if not names:
        return "none"
    more = len(names) - MAX_LISTED
    return ", ".join(names[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def sorted_by_name(things: Iterable[Named]) -> list[Named]:
    return sorted(things, key=lambda n: (n.name.casefold(), n.id))
