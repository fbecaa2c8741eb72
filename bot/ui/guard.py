"""Text the bot cannot store, refused before any handler sees it.

A lone UTF-16 surrogate (half of an emoji's pair, ``"\\ud800"``) travels in JSON as an escape, and Python
decodes it, but UTF-8 cannot encode it: SQLite, a log line or a message to Discord would fail half-way
through a handler. Every way text comes in passes one check instead: the command tree's and the base
views' ``interaction_check`` (through :func:`refuse_unstorable`) and the feedback DM (through
:func:`has_lone_surrogate`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.i18n import t
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

#: The catalog key of the refusal.
UNSTORABLE = "error.bad_character"

# In a Python string every surrogate code point is a lone one: JSON decoders join an escaped pair into
# the one character it stands for.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a character UTF-8 cannot encode."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def carries_lone_surrogate(value: Any) -> bool:
    """Whether any string in JSON-shaped ``value`` (dict keys included) holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


async def refuse_unstorable(interaction: discord.Interaction) -> bool:
    """Answer ``interaction`` with the refusal when anything it carries (options, typed values, form
    fields, selected values, custom ids) holds a lone surrogate; True when it did. Autocomplete gets no
    choices instead. Nothing else happens, so nothing changes."""
    if not carries_lone_surrogate(interaction.data):
        return False
    # The text itself stays out of the log: it may be anonymous feedback.
    log.info("refused an interaction (type %s) whose text UTF-8 cannot encode", interaction.type.value)
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await respond(interaction, t(interaction.locale, UNSTORABLE))
    except SEND_ERRORS as error:
        log.warning("could not deliver the refusal of unstorable text (%s)", failure(error))
    return True
