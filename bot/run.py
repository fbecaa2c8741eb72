"""``partnerbot run``: config -> logging -> database -> the bot (built by :mod:`bot.compose`) -> run.

``partnerbot run`` exits 0 when stopped (Ctrl+C); 1 when Discord could not be reached at start (no
network, a name that does not resolve, a refused connection, a TLS failure, a timeout, Discord's own
server errors: worth trying again, as a service manager's restart does); 2 when something must be fixed
first (the config, the token, the intents, the bot missing from the server). Each of these is one line
on stderr. Start means logging in, registering the commands and opening the gateway once; after that a
dropped network is not an exit: discord.py's ``connect(reconnect=True)`` reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import socket
import sys
from urllib.parse import urlsplit

import aiohttp
import discord
import discord.http
import yarl
from discord.gateway import DiscordWebSocket

from bot.compose import create_bot
from bot.config import Settings, config_warnings
from bot.db import DatabaseTooNew, open_database
from bot.logs import setup_logging
from bot.ui.respond import SEND_ERRORS

log = logging.getLogger("bot")

#: Hidden, for tests: send discord.py's REST calls and its gateway connection to this base URL instead of
#: Discord's (``http://127.0.0.1:PORT``: a stand-in server, or a closed port). Only loopback addresses and
#: ``.invalid`` names (which never resolve, RFC 2606) are accepted, so the token cannot be sent elsewhere.
DISCORD_URL_ENV = "PARTNERBOT_TEST_DISCORD_URL"


class StartFailed(Exception):
    """The bot could not start; ``message`` is the one line for the operator, ``code`` the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


async def _run(settings: Settings, token: str) -> int:
    try:
        db = await open_database(settings.database)
    except DatabaseTooNew as error:
        print(str(error), file=sys.stderr)
        return 2
    # The bot never joins voice: no warning on every start that voice's libraries are missing.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    bot = create_bot(settings, db)
    try:
        async with bot:
            await _start(bot, token, settings.guild_id)
            await bot.connect(reconnect=True)
    except StartFailed as failure:
        print(failure.message, file=sys.stderr)
        return failure.code
    except discord.LoginFailure:
        print(f"Discord rejected the token in {settings.token_env}: check it in the developer portal.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Discord refused the intents this bot asked for.", file=sys.stderr)
        return 2
    except discord.ConnectionClosed as error:
        # Only what a reconnect cannot mend ends connect(): the token reset meanwhile (4004), for example.
        reason = f" ({error.reason})" if error.reason else ""
        print(f"Discord closed the gateway connection for good: code {error.code}{reason}.", file=sys.stderr)
        return 2 if error.code in (4004, 4013, 4014) else 1  # a token or intents to fix first
    finally:
        if not bot.is_closed():
            await bot.close()
    return 0


async def _start(bot: discord.Client, token: str, guild: int) -> None:
    """Log in (setup_hook registers the commands), then open the gateway once and close it: a failure here
    is :class:`StartFailed`, in one line. Later ones are the reconnect loop's to retry."""
    api = discord.http.Route.BASE
    try:
        await bot.login(token)
    except discord.Forbidden as error:
        if error.code == 50001:  # Missing Access: registering the commands in a server the bot is not in
            raise StartFailed(
                f"Discord refused to register the bot's commands in server {guild} (Missing Access): is the bot "
                "in that server, added with the applications.commands scope? "
                f"partnerbot invite-url --client-id {bot.application_id} prints the link that adds it",
                2,
            ) from None
        raise StartFailed(f"Discord refused a request at start: {_reply(error)}", 2) from None
    except discord.DiscordServerError as error:
        raise StartFailed(f"Discord had an error of its own at start ({_reply(error)}): try again later", 1) from None
    except discord.HTTPException as error:
        if error.status == 429:  # a global or Cloudflare limit: waiting mends it
            raise StartFailed(
                f"Discord is rate-limiting this bot at start ({_reply(error)}): try again later", 1
            ) from None
        raise StartFailed(f"Discord refused a request at start: {_reply(error)}", 2) from None
    except SEND_ERRORS as error:
        raise StartFailed(f"Cannot reach Discord to log in ({api}): {unreachable(error, api)}", 1) from None
    gateway = str(DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=discord.http.INTERNAL_API_VERSION, encoding="json"))
    try:
        probe = await bot.http.ws_connect(gateway)
        await probe.close()
    except SEND_ERRORS as error:
        raise StartFailed(f"Cannot open Discord's gateway ({gateway}): {unreachable(error, gateway)}", 1) from None


def _reply(error: discord.HTTPException) -> str:
    text = " ".join(error.text.split())[:200]
    return f"HTTP {error.status}{f', code {error.code}' if error.code else ''}{f': {text}' if text else ''}"


def unreachable(error: BaseException, url: str) -> str:
    """What stopped a connection to ``url``, in a few words, naming the host."""
    where = urlsplit(url).netloc or url
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        cause = error.certificate_error
        return (
            f"{error.host} presented a TLS certificate that is not trusted "
            f"({getattr(cause, 'verify_message', None) or _words(cause)}); "
            "is a proxy intercepting HTTPS, or are the system's certificates out of date?"
        )
    if isinstance(error, aiohttp.ClientConnectorSSLError):
        return f"the TLS handshake with {error.host}:{error.port} failed ({_words(error.os_error)})"
    if isinstance(error, aiohttp.ClientSSLError):
        return f"the TLS handshake with {where} failed ({_words(error)})"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, socket.gaierror):
            return f"the name {error.host} does not resolve (no network, or no DNS?)"
        if isinstance(cause, TimeoutError):
            return f"no answer from {error.host}:{error.port} in time"
        reason = os.strerror(cause.errno) if cause.errno else _words(cause)
        return f"cannot connect to {error.host}:{error.port} ({reason.lower()})"
    if isinstance(error, aiohttp.WSServerHandshakeError):
        return f"{where} answered HTTP {error.status} instead of opening a websocket"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return f"{where} closed the connection without answering"
    if isinstance(error, TimeoutError):
        return f"no answer from {where} in time"
    return f"{type(error).__name__}: {_words(error)}"


def _words(error: object) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def redirect_discord(url: str) -> str | None:
    """Point discord.py at ``url`` (see :data:`DISCORD_URL_ENV`); the one-line problem when it is refused."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port, host = None, ""  # a port out of range: refused below
    try:
        allowed = ipaddress.ip_address(host).is_loopback
    except ValueError:
        allowed = bool(_TEST_NAME.fullmatch(host))
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or not allowed:
        return f"{DISCORD_URL_ENV} may only name a loopback address or a .invalid host, as http(s)://127.0.0.1:PORT"
    # Rebuilt from what was checked, nothing else of the URL (no user info, no oddly spelled host).
    authority = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    discord.http.Route.BASE = f"{parts.scheme}://{authority}/api/v{discord.http.INTERNAL_API_VERSION}"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{'wss' if parts.scheme == 'https' else 'ws'}://{authority}/")
    return None


#: A name under ``.invalid``: never resolves anywhere (RFC 2606), so a test can make DNS fail.
_TEST_NAME = re.compile(r"(?:[a-z0-9-]+\.)+invalid")


def run_bot(settings: Settings, token: str) -> int:
    """Start the bot and block until it stops. Returns the process exit status."""
    test_url = os.environ.get(DISCORD_URL_ENV)
    if test_url:
        problem = redirect_discord(test_url)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    setup_logging(settings.log_dir, settings.log_level)
    log.info("starting for guild %s", settings.guild_id)
    for warning in config_warnings(settings):
        log.warning("config: %s", warning)
    try:
        return asyncio.run(_run(settings, token))
    except KeyboardInterrupt:
        return 0
