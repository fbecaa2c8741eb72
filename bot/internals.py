"""The discord.py internals the bot depends on, in one place.

discord.py offers no public way to do two things the bot needs. Each is reached here and nowhere else
(bot/sim, which stands in for Discord itself, aside), and ``tests/test_internals.py`` fails as soon as a
discord.py release changes what they rely on, instead of the bot failing in production. aiosqlite's one
internal has its own adapter, :func:`bot.db.on_db_thread`.

- *Whether discord.py routed an interaction* (:func:`routed`): a press on a button whose short-lived
  view is gone must get an answer ("these buttons have expired") rather than Discord's "This interaction
  failed". discord.py dispatches such a press without a trace, so the bot asks discord.py's view store
  (``ConnectionState._view_store``) whether a live view, an open modal or a persistent item takes it.
- *How discord.py decodes gateway JSON* (:func:`decode_lone_surrogates`): orjson refuses text with an
  escaped lone surrogate, and discord.py would let that error end the connection.
"""

from __future__ import annotations

import json
from typing import Any

import discord


def routed(client: discord.Client, interaction: discord.Interaction) -> bool:
    """Whether a live view, modal or persistent item of ``client`` takes this component press or form
    submission. Anything else (a slash command) counts as routed."""
    data: Any = interaction.data or {}
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str):
        return True
    store = client._connection._view_store
    if interaction.type is discord.InteractionType.modal_submit:
        return custom_id in store._modals
    if interaction.type is not discord.InteractionType.component:
        return True
    if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
        return True
    key = (data.get("component_type"), custom_id)
    message_id = interaction.message.id if interaction.message is not None else None
    item = store._views.get(message_id, {}).get(key) or store._views.get(None, {}).get(key)
    return item is not None and item.view is not None and not item.view.is_finished()


#: discord.py's JSON decoder as it was imported: orjson's when orjson is installed, else the json module's.
_strict_from_json = discord.utils._from_json


def _from_json(data: Any) -> Any:
    try:
        return _strict_from_json(data)
    except ValueError:  # orjson.JSONDecodeError; the json module would raise it again, as before
        return json.loads(data)


def decode_lone_surrogates() -> None:
    """Let discord.py decode JSON text that escapes a lone UTF-16 surrogate (``"\\ud800"``).

    A client can put one in any text field. orjson refuses such text, and discord.py would let that error
    end the gateway connection (and with it the bot); the json module decodes it, so the interaction
    reaches :mod:`bot.ui.guard`, which refuses it politely. Other text keeps orjson's speed."""
    discord.utils._from_json = _from_json


def decode_gateway_json(text: str) -> Any:
    """JSON text decoded as discord.py decodes what the gateway sends (bot/sim's ``json_wire``)."""
    return discord.utils._from_json(text)
