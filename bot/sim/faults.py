"""Failed requests as discord.py sees them, and the faults a test injects into the simulated server."""

from __future__ import annotations

from dataclasses import dataclass

import discord


@dataclass
class FakeResponse:
    """Enough of aiohttp's response for discord.py's exception classes."""

    status: int
    reason: str


@dataclass
class Fault:
    status: int
    remaining: int
    route: str | None = None
    channel_id: int | None = None

    def matches(self, method: str, path: str, channel_id: int | None) -> bool:
        if self.route is not None and self.route not in f"{method} {path}":
            return False
        return not (self.channel_id is not None and self.channel_id != channel_id)


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
