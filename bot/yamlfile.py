"""YAML as the config and the questionnaires are read: safe types only, and no aliases.

An alias (``*name``) repeats an anchored node; nested a few levels deep they expand exponentially (a
"billion laughs" file): a few lines made ``check-config`` and start-up use gigabytes and hang. Neither
file needs them, so an alias is refused where it stands, as a syntax error with its line and column.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, f"aliases (*{event.anchor}) are not accepted in this file", event.start_mark
            )
        return super().compose_node(parent, index)


def load(text: str) -> Any:
    """The YAML document in ``text``; raises ``yaml.YAMLError`` (with ``problem_mark``) when it is not valid
    YAML or uses an alias."""
    return yaml.load(text, Loader=_NoAliasLoader)


def short(value: Any, limit: int = 120) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages that quote what was found."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
