"""Configured words (sectors, update areas) offered as autocomplete choices within Discord's limits, and
matched back when the command comes in.

Discord takes a choice's name and string value of 1 to 100 characters
(https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-choice-structure),
but nothing stops a configured sector from being longer. Its choice then shows the start of it with an
ellipsis, and carries as value that start, an ellipsis and the word's place in the configuration
(``"Galleries, libraries…#3"``), which :func:`match_choice` turns back into the word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Discord's most characters in a choice's name and in its string value.
CHOICE_MAX = 100
ELLIPSIS = "…"
_SHORTENED = re.compile(rf"(?s)(.*){ELLIPSIS}#(\d+)")


def choice_name(text: str) -> str:
    """``text`` as a choice's name: cut to :data:`CHOICE_MAX` characters, with an ellipsis when cut."""
    return text if len(text) <= CHOICE_MAX else text[: CHOICE_MAX - 1] + ELLIPSIS


def choice_value(text: str, options: Sequence[str]) -> str:
    """The value a choice for ``text`` (one of ``options``) carries: ``text`` itself when it fits, else its
    start, an ellipsis and its place among ``options``, together :data:`CHOICE_MAX` characters at most."""
    if len(text) <= CHOICE_MAX:
        return text
    tag = f"{ELLIPSIS}#{options.index(text) + 1}"
    return text[: CHOICE_MAX - len(tag)] + tag


def match_choice(value: str, options: Sequence[str]) -> str | None:
    """The option ``value`` names: the same word (case aside), or the one a shortened choice value
    (:func:`choice_value`) or a start typed with an ellipsis stands for; None when none or several do."""
    wanted = value.strip().casefold()
    for option in options:
        if option.casefold() == wanted:
            return option
    shortened = _SHORTENED.fullmatch(value.strip())
    if shortened is not None:
        start, place = shortened.group(1).casefold(), int(shortened.group(2))
        if 0 < place <= len(options) and options[place - 1].casefold().startswith(start):
            return options[place - 1]
        # The configuration changed since the choice was offered: the start alone may still tell.
    elif wanted.endswith(ELLIPSIS):
        start = wanted[: -len(ELLIPSIS)]
    else:
        return None
    found = [o for o in options if len(o) > len(start) and o.casefold().startswith(start)]
    return found[0] if len(found) == 1 and start else None
