"""Failed requests as discord.py sees them, and the faults a test injects between the bot and Discord.

A fault strikes on the wire (:class:`bot.sim.http.SimSession`), before the simulated server sees the
request, so discord.py's own code decides what the bot experiences: a ``429`` is slept through and retried,
a ``500`` on REST is retried after a pause, a ``503`` or ``403`` is raised, a timeout or a dropped
connection reaches the bot as the ``TimeoutError`` or ``aiohttp.ClientError`` it would be in production.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord

if TYPE_CHECKING:
    from bot.sim.http import SimResponse

FaultKind = Literal["status", "rate_limit", "timeout", "disconnect", "slow", "lost"]


@dataclass
class FakeResponse:
    """Enough of aiohttp's response for discord.py's exception classes."""

    status: int
    reason: str


@dataclass
class Fault:
    """What goes wrong with the next ``remaining`` requests matching ``route`` (a substring of
    ``"METHOD /path"``) and ``channel_id``."""

    status: int
    remaining: int
    route: str | None = None
    channel_id: int | None = None
    kind: FaultKind = "status"
    #: ``rate_limit``: the ``retry_after`` Discord answers with; ``slow``: how long the answer takes.
    seconds: float = 0.0

    def matches(self, method: str, path: str, channel_id: int | None) -> bool:
        if self.route is not None and self.route not in f"{method} {path}":
            return False
        return not (self.channel_id is not None and self.channel_id != channel_id)

    async def strike(self, method: str, path: str) -> SimResponse | None:
        """Fail the request (raise, or return the answer to give instead), or delay it and return None."""
        from bot.sim.http import SimResponse

        if self.kind == "status":
            message = f"simulated {self.status} on {method} {path}"
            return SimResponse(self.status, {"code": 0, "message": message})
        if self.kind == "rate_limit":
            # topics/rate-limits#exceeding-a-rate-limit: a 429 with a JSON body carrying retry_after (seconds)
            # and global; Discord's edge adds a Via header, which discord.py checks to tell a rate limit from
            # a Cloudflare ban.
            body = {"message": "You are being rate limited.", "retry_after": self.seconds, "global": False}
            return SimResponse(429, body, headers={"Via": "1.1 google", "Retry-After": str(self.seconds)})
        if self.kind == "lost":
            return None  # Discord does the work; the answer is lost on the way back (see SimSession)
        if self.kind == "timeout":
            raise TimeoutError(f"simulated timeout on {method} {path}")
        if self.kind == "disconnect":
            raise aiohttp.ServerDisconnectedError(f"simulated dropped connection on {method} {path}")
        await asyncio.sleep(self.seconds)  # slow: the answer comes, late
        return None


#: How a call to Discord can still fail once discord.py has done its own retrying (it sleeps through a 429
#: and retries a REST 500 and a webhook 5xx by itself): refused (503), forbidden (403), timed out, or the
#: connection dropped. Spread into ``sim.fail_next(**FAILURES[name], route=...)``.
FAILURES: dict[str, dict[str, Any]] = {
    "503": {"status": 503},
    "403": {"status": 403},
    "timeout": {"kind": "timeout"},
    "disconnect": {"kind": "disconnect"},
}
#: The status the bot can know for each (0: no HTTP answer came at all).
FAILURE_STATUS = {"503": 503, "403": 403, "timeout": 0, "disconnect": 0}


def http_error(status: int, message: str = "", code: int = 0) -> discord.HTTPException:
    """The exception discord.py raises for a failed request with this status."""
    response = FakeResponse(status, message or "error")
    body = {"code": code, "message": message or f"simulated {status}"}
    if status == 403:
        return discord.Forbidden(response, body)  # type: ignore[arg-type]
    if status == 404:
        return discord.NotFound(response, body)  # type: ignore[arg-type]
    if status >= 500:
        return discord.DiscordServerError(response, body)  # type: ignore[arg-type]
    return discord.HTTPException(response, body)  # type: ignore[arg-type]
