"""Keep feedback authors out of discord.py's own log lines.

At DEBUG, discord.py logs whole gateway events and REST bodies: a feedback DM's MESSAGE_CREATE carries
the author's id and the text, and REST URLs carry the DM channel id. bot/logs.py keeps those loggers at
WARNING, but anyone can turn them up while debugging, so this filter withholds the payloads and blanks
every snowflake in records from ``discord.*`` loggers whatever their level.
"""

from __future__ import annotations

import logging
import re

#: Discord ids are 17-20 digit numbers today; allow a little room either side.
SNOWFLAKE = re.compile(r"(?<!\d)\d{15,21}(?!\d)")
WITHHELD = "<payload withheld>"
ID = "<id>"

# discord.py's payload-dumping formats and the argument positions that hold a payload.
_PAYLOAD_ARGS: dict[str, tuple[int, ...]] = {
    "For Shard ID %s: WebSocket Event: %s": (1,),
    "%s %s with %s has returned %s": (2,),
    "%s %s has received %s": (2,),
    "Received %s": (0,),
    "Received error %s": (0,),
}


class RedactDiscordIds(logging.Filter):
    """Rewrites a record in place: payloads withheld, ids blanked. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("discord"):
            return True
        args = record.args
        positions = _PAYLOAD_ARGS.get(str(record.msg))
        if positions and isinstance(args, tuple):
            record.args = tuple(WITHHELD if i in positions else a for i, a in enumerate(args))
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg = SNOWFLAKE.sub(ID, message)
        record.args = None
        return True


_FILTER = RedactDiscordIds()


def _discord_loggers() -> list[logging.Logger]:
    names = [name for name in logging.root.manager.loggerDict if name == "discord" or name.startswith("discord.")]
    return [logging.getLogger(name) for name in ("discord", *names)]


def install() -> None:
    """Attach the filter to every discord.py logger (filters are not inherited by child loggers)."""
    for logger in _discord_loggers():
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def uninstall() -> None:
    for logger in _discord_loggers():
        logger.removeFilter(_FILTER)
