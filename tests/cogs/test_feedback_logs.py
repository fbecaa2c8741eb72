"""The attack on the logs: everything logged at DEBUG, by every library, while anonymous feedback goes
through its whole life (a DM and a form, Send anonymously, a retraction, the release, a digest quoting
it, /feedback review), and not one record carries a feedback text, an author's id or a retraction code.

Events reach the bot through discord.py's own gateway code (``DiscordWebSocket.received_message``, which
logs every event it receives at DEBUG), REST calls and interaction responses through its HTTP client and
webhook adapter (which log bodies and URLs at DEBUG), and the database through aiosqlite (which logs
every call with its arguments at DEBUG).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket

from bot import logs
from bot.sim import Sim
from tests.cogs.test_feedback_support import send_by_dm, send_by_modal

LOUD = ("", "discord", "discord.http", "discord.gateway", "discord.webhook", "discord.client", "aiosqlite", "bot")


class Everything(logging.Handler):
    """Every record as a handler would write it: message and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def everything() -> Iterator[Everything]:
    handler = Everything()
    levels = {name: logging.getLogger(name).level for name in LOUD}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOUD:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def through_the_gateway(sim: Sim) -> None:
    """From now on, the members' messages and interactions arrive as gateway frames, through discord.py's
    own ``received_message`` (which logs each frame at DEBUG before it dispatches it)."""
    state = sim.bot._connection
    ws = DiscordWebSocket(None, loop=asyncio.get_running_loop())  # type: ignore[arg-type]
    ws._discord_parsers = state.parsers  # type: ignore[attr-defined]
    ws._dispatch = sim.bot.dispatch
    ws.shard_id = None  # type: ignore[attr-defined]
    sequence = itertools.count(1)

    def frame(event: str, data: dict[str, Any]) -> None:
        received = ws.received_message(json.dumps({"op": 0, "t": event, "s": next(sequence), "d": data}))
        try:
            received.send(None)  # a dispatch runs to its end without waiting for anything
        except StopIteration:
            return
        received.close()
        raise AssertionError(f"the gateway waited while handling {event}")

    state.parse_message_create = partial(frame, "MESSAGE_CREATE")  # type: ignore[method-assign]
    state.parse_interaction_create = partial(frame, "INTERACTION_CREATE")  # type: ignore[method-assign]


async def test_no_feedback_text_author_or_code_reaches_any_log(sim: Sim, everything: Everything) -> None:
    through_the_gateway(sim)
    await sim.tick()  # the digest's baseline
    frank = sim.add_member("frank")
    texts: dict[str, str] = {}
    codes: dict[str, str] = {}
    senders: list[tuple[str, Callable[..., Any], str | None]] = [
        ("dave", send_by_dm, "partnership"),
        ("erin", send_by_modal, "process"),
        ("carol", send_by_dm, None),
        ("frank", send_by_modal, "general"),
        ("frank", send_by_dm, "other"),
    ]
    for author, send, topic in senders:
        marker = f"FBLOG{secrets.token_hex(6)}"
        text = f"{marker} the intake form for partners is too long"
        codes[marker] = await send(sim, author, text, topic) if topic else await send(sim, author, text)
        texts[marker] = author
    early, late = list(texts)[-2:]
    # Retracted before release, in the server and in a DM.
    await sim.slash("feedback retract", user="frank", code=codes[early])
    [deleted] = await sim.dm("frank", codes[late])
    assert "deleted" in deleted.text

    # Released at the digest's scheduled time, quoted in the digest, read in /feedback review.
    sim.advance(days=7)
    await sim.tick()
    kept = [m for m in texts if m not in (early, late)]
    digest = "\n".join(m.text for m in sim.channel("digest").messages)
    assert all(m in digest for m in kept)
    review = await sim.slash("feedback review", user="alice")
    assert all(m in review.text for m in kept)
    # Retracted after release, then a digest sent on request and a preview.
    await sim.slash("feedback retract", user="dave", code=codes[kept[0]])
    await sim.slash("digest preview", user="bob")
    await sim.slash("digest send", user="bob")

    logged = everything.text()
    # The attack had a view: the libraries did log at DEBUG, payloads and statements included.
    for seen in (
        "DEBUG discord.gateway: For Shard ID None: WebSocket Event: ",
        "DEBUG discord.http: POST",
        "DEBUG discord.webhook.async_: Webhook ID",
        "DEBUG aiosqlite: executing",
        "DEBUG discord.client: Dispatching event message",
    ):
        assert seen in logged, seen
    authors = [*(sim.member(name) for name in ("dave", "erin", "carol")), frank]
    secrets_ = {
        **dict.fromkeys(texts, "a feedback text"),
        **dict.fromkeys(codes.values(), "a retraction code"),
        **{code.replace("-", ""): "a retraction code" for code in codes.values()},
        **{str(a.id): f"the id of {a.name}" for a in authors},
        **{str(sim.dm_channel(a.name).id): f"the DM channel of {a.name}" for a in authors if a.dm_channel_id},
    }
    leaks = sorted({f"{what}: {line[:200]}" for line in everything.lines for s, what in secrets_.items() if s in line})
    assert leaks == []


def test_aiosqlite_records_keep_the_function_and_nothing_else() -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    call = partial(conn.execute, "INSERT INTO digest_parts (payload) VALUES (?)", ("SECRET feedback",))
    record = logging.LogRecord("aiosqlite", logging.DEBUG, __file__, 1, "executing %s", (call,), None)
    assert logs.redact(record).getMessage() == "executing Connection.execute(arguments withheld)"
    error = sqlite3.IntegrityError("SECRET in the message")
    record = logging.LogRecord("aiosqlite", logging.DEBUG, __file__, 1, "returning exception %s", (error,), None)
    assert logs.redact(record).getMessage() == "returning exception IntegrityError"
    record = logging.LogRecord("aiosqlite", logging.DEBUG, __file__, 1, "%s", ("SECRET statement",), None)
    assert "SECRET" not in logs.redact(record).getMessage()


# Every discord.py DEBUG format that carries a payload or a URL, as discord.py 2.7 writes it (http.py,
# gateway.py, webhook/async_.py and sync.py), with a payload holding a feedback text and an author's id.
PAYLOAD = {"t": "MESSAGE_CREATE", "d": {"author": {"id": "123456789012345678"}, "content": "SECRET feedback text"}}
URL = "https://discord.com/api/v10/channels/223456789012345678/messages"
HOOK = "https://discord.com/api/v10/webhooks/323456789012345678/aW50ZXJhY3Rpb246c2VjcmV0LXRva2Vu/messages/@original"
FORMATS: list[tuple[str, str, tuple[Any, ...]]] = [
    ("discord.gateway", "For Shard ID %s: WebSocket Event: %s", (None, PAYLOAD)),
    ("discord.http", "%s %s with %s has returned %s", ("POST", URL, json.dumps(PAYLOAD["d"]), 200)),
    ("discord.http", "%s %s has received %s", ("POST", URL, PAYLOAD["d"])),
    ("discord.http", "%s %s has received %s", ("GET", URL, "SECRET feedback text")),
    ("discord.gateway", "Received %s", ("WSMessage(type=TEXT, data='SECRET feedback text')",)),
    ("discord.gateway", 'Sending "%s" to change status', (json.dumps({"game": "SECRET feedback text"}),)),
    ("discord.gateway", "Updating our voice state to %s.", (PAYLOAD,)),
    ("discord.webhook.async_", "Webhook ID %s with %s %s has returned status code %s", (1, "PATCH", HOOK, 200)),
    ("discord.webhook.sync", "Webhook ID %s with %s %s has returned status code %s", (1, "PATCH", HOOK, 200)),
    ("discord.http", "%s %s with %s has returned %s", ("POST", f"{HOOK}?SECRET feedback text", None, 200)),
    ("discord.state", "Unknown event %s", ({"content": "123456789012345678"},)),
]


@pytest.mark.parametrize(("name", "fmt", "args"), FORMATS)
def test_discord_debug_lines_never_carry_a_payload_an_id_or_a_token(name: str, fmt: str, args: tuple[Any, ...]) -> None:
    record = logs.redact(logging.LogRecord(name, logging.DEBUG, __file__, 1, fmt, args, None))
    message = record.getMessage()
    assert "SECRET" not in message and "123456789012345678" not in message, message
    assert "aW50ZXJhY3Rpb24" not in message and "23456789012345678" not in message, message


def test_route_names_and_methods_stay_readable() -> None:
    record = logging.LogRecord(
        "discord.http",
        logging.DEBUG,
        __file__,
        1,
        "A route (%s) has changed hashes: %s -> %s.",
        ("POST /channels/{channel_id}/messages", "abc123", "def456"),
        None,
    )
    expected = "A route (POST /channels/{channel_id}/messages) has changed hashes: abc123 -> def456."
    assert logs.redact(record).getMessage() == expected


def test_a_discord_traceback_has_its_ids_blanked() -> None:
    try:
        raise RuntimeError("interaction from 123456789012345678 failed")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "discord.app_commands.tree", logging.ERROR, __file__, 1, "Ignoring exception", (), sys.exc_info()
        )
    text = logging.Formatter().format(logs.redact(record))
    assert "RuntimeError: interaction from <id> failed" in text


def test_redaction_holds_while_anyone_holds_it_and_reaches_loggers_made_later() -> None:
    seen: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    later = logging.getLogger(f"discord.made_later_{secrets.token_hex(4)}")
    later.addHandler(handler)
    later.setLevel(logging.DEBUG)
    later.propagate = False
    assert not logs.installed()
    try:
        logs.install()
        logs.install()
        logs.uninstall()
        later.debug("user %s", 123456789012345678)
        logs.uninstall()
        later.debug("user %s", 123456789012345678)
    finally:
        later.removeHandler(handler)
    assert seen == ["user <id>", "user 123456789012345678"]
    assert not logs.installed() and logging.getLogRecordFactory() is logging.LogRecord
