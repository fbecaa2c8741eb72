"""Keep feedback authors and texts out of the libraries' own log lines.

At DEBUG, discord.py logs whole gateway events and REST bodies: a feedback DM's MESSAGE_CREATE carries
the author's id and the text, and REST URLs carry the DM channel id. aiosqlite logs every statement with
its parameters, so an INSERT into feedback_items would put the text in the log next to the exact time.
bot/logs.py keeps discord's chattiest loggers at WARNING, but anyone can turn levels up while
debugging, so this filter withholds the payloads, blanks every snowflake in ``discord.*`` records and
withholds aiosqlite's record of any statement on a feedback table, whatever the level.
"""

from __future__ import annotations

import logging
import re

#: Discord ids are 17-20 digit numbers today; allow a little room either side.
SNOWFLAKE = re.compile(r"(?<!\d)\d{15,21}(?!\d)")
WITHHELD = "<payload withheld>"
ID = "<id>"
FEEDBACK_SQL = "<statement on feedback withheld>"

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
        if record.name == "aiosqlite":
            return self._sqlite(record)
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

    @staticmethod
    def _sqlite(record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if "feedback_" in message:
            record.msg = FEEDBACK_SQL
            record.args = None
        return True


_FILTER = RedactDiscordIds()


def _loggers() -> list[logging.Logger]:
    names = [name for name in logging.root.manager.loggerDict if name == "discord" or name.startswith("discord.")]
    return [logging.getLogger(name) for name in ("discord", "aiosqlite", *names)]


def install() -> None:
    """Attach the filter to aiosqlite's and every discord.py logger (child loggers do not inherit
    their parent's filters, so each gets it)."""
    for logger in _loggers():
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def uninstall() -> None:
    for logger in _loggers():
        logger.removeFilter(_FILTER)
