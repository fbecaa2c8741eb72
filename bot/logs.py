"""Logging: console plus a rotating file under ``log_dir``; the libraries' records redacted at birth.

At DEBUG the libraries write what passes through them: discord.py whole gateway events (a feedback DM's
MESSAGE_CREATE carries its author and text) and REST bodies (a digest quoting released feedback, a
member's DM channel in the URL); aiosqlite every call it runs with its arguments (a statement and its
parameters: a feedback text, a rendered digest). :func:`install` redacts their records as they are made,
whatever the level, the logger (one created later included) or the handler (a test's, an operator's):

- aiosqlite keeps its messages, but each argument becomes a harmless description: the name of the
  function it runs, never the statement or its parameters; an exception's type, never its text.
- discord.py's transport loggers (REST, gateway, webhooks, voice) keep scalars and URL-like words; any
  payload (a dict, a JSON text, a form, a websocket frame, anything with a space in it) is withheld.
- every ``discord.*`` record has its snowflakes blanked and interaction and webhook tokens withheld,
  in its message and in its traceback text.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from collections.abc import Callable
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

#: Discord ids are 17-20 digit numbers today; allow a little room either side.
SNOWFLAKE = re.compile(r"(?<!\d)\d{15,21}(?!\d)")
#: The secret part of interaction callback and webhook URLs (``/interactions/<id>/<token>/callback``).
TOKEN_IN_URL = re.compile(r"(/(?:interactions|webhooks)/[^/\s]+/)[^/?\s'\"]+")
WITHHELD = "<payload withheld>"
ID = "<id>"
TOKEN = "<token>"

#: Loggers that carry what goes over the wire: their arguments are payloads unless shown otherwise.
_TRANSPORT = ("discord.http", "discord.gateway", "discord.webhook", "discord.voice_state", "discord.voice_client")
#: discord.py's payload-dumping formats and the argument positions that hold a payload: withheld even when
#: the payload happens to look harmless.
_PAYLOAD_ARGS: dict[str, tuple[int, ...]] = {
    "For Shard ID %s: WebSocket Event: %s": (1,),
    "%s %s with %s has returned %s": (2,),
    "%s %s has received %s": (2,),
    "Received %s": (0,),
    "Received error %s": (0,),
    'Sending "%s" to change status': (0,),
    "Updating our voice state to %s.": (0,),
    "Sending voice websocket frame: %s.": (0,),
    "Voice websocket frame received: %s": (0,),
    "Received voice %s": (0,),
    "Received ip discovery packet: %s": (0,),
}
#: A word a transport record may keep: a method, a URL, a route (``GET /channels/{channel_id}``), a
#: bucket hash, an event or opcode name.
_WORD = re.compile(r"(?:[A-Z]{3,7} )?[\w.:/?&=%+@~,{}-]{0,300}")


def setup_logging(log_dir: Path, level: str = "INFO", *, console: bool = True) -> None:
    install()  # before the first record: for as long as the process runs
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = logging.Formatter(FORMAT)
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / "partnerbot.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(formatter)
        root.addHandler(stream)
    # Quiet by default; redacted anyway when someone turns them up while debugging.
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("discord.gateway").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


# -- redaction ------------------------------------------------------------------------------------------
def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite ``record`` in place (see the module docstring) and return it. Never drops a record."""
    name = record.name
    if name == "aiosqlite" or name.startswith("aiosqlite."):
        _redact_sqlite(record)
    elif name == "discord" or name.startswith("discord."):
        _redact_discord(record)
    return record


def _redact_sqlite(record: logging.LogRecord) -> None:
    if not isinstance(record.msg, str):
        record.msg = f"<{type(record.msg).__name__} withheld>"
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_sqlite_word(a) for a in args)
    elif args:  # a single mapping argument
        record.args = (WITHHELD,)
        record.msg = "%s"


def _sqlite_word(value: Any) -> object:
    """What an aiosqlite argument may say: the name of the function it runs, the type of an exception."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, BaseException):
        return type(value).__name__
    function = value.func if isinstance(value, partial) else value
    if callable(function):
        name = getattr(function, "__qualname__", None) or type(function).__name__
        return f"{name}(arguments withheld)"
    return f"<{type(value).__name__} withheld>"


def _redact_discord(record: logging.LogRecord) -> None:
    args = record.args
    if isinstance(args, tuple):
        positions = _PAYLOAD_ARGS.get(str(record.msg), ())
        transport = record.name.startswith(_TRANSPORT)
        record.args = tuple(
            WITHHELD if i in positions or (transport and not _harmless(a)) else a for i, a in enumerate(args)
        )
    elif args:
        record.args = (WITHHELD,)
        record.msg = "%s"
    try:
        message = record.getMessage()
    except Exception:  # a broken format: logging reports it when a handler formats the record
        return
    record.msg = _blank(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text: the traceback they print is this one.
        record.exc_text = _blank(logging.Formatter().formatException(record.exc_info))


def _harmless(value: Any) -> bool:
    if value is None or isinstance(value, int | float | bool | Enum):
        return True
    if type(value).__name__ == "URL":  # yarl.URL, as discord.py logs its gateway address
        value = str(value)
    return isinstance(value, str) and _WORD.fullmatch(value) is not None


def _blank(text: str) -> str:
    return SNOWFLAKE.sub(ID, TOKEN_IN_URL.sub(rf"\1{TOKEN}", text))


# -- installing -----------------------------------------------------------------------------------------
_lock = threading.Lock()
_holders = 0
#: The factory ours wraps, while ours is in the chain (it stays there, idle, if another was set on top).
_previous: Callable[..., logging.LogRecord] = logging.LogRecord
_in_chain = False


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous(*args, **kwargs)
    return redact(record) if _holders else record


def install() -> None:
    """Redact every record from now on (a record factory, so no logger or handler escapes it). Each call
    holds the redaction until a matching :func:`uninstall`; the CLI, :func:`setup_logging` and the
    sandbox hold it for the life of the process, the feedback cog while it is loaded."""
    global _holders, _previous, _in_chain
    with _lock:
        _holders += 1
        if not _in_chain:
            _previous = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_factory)
            _in_chain = True


def uninstall() -> None:
    """Release one :func:`install`; the last one out restores the previous factory."""
    global _holders, _previous, _in_chain
    with _lock:
        _holders = max(0, _holders - 1)
        if not _holders and logging.getLogRecordFactory() is _factory:
            logging.setLogRecordFactory(_previous)
            _previous = logging.LogRecord
            _in_chain = False


def installed() -> bool:
    return _holders > 0
