"""The two doors through which discord.py talks to Discord, opened onto the simulated server.

``SimHttp`` replaces the bot's REST client at its single choke point, ``HTTPClient.request``, and
``SimWebhookAdapter`` replaces the adapter discord.py uses for interaction responses and follow-ups.
Everything above them (discord.py's models, views, the bot's own code) runs unchanged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import discord
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.sim.models import clone
from bot.sim.server import SimServer


def _roundtrip(value: Any) -> Any:
    """What the bot gets back is a fresh copy, as if it came over the wire (the server keeps its own
    state JSON-shaped, so a structural copy is enough)."""
    if value is None:
        return None
    return clone(value)


def _path(url: str) -> str:
    path = urlsplit(url).path
    marker = "/api/v"
    if marker in path:
        path = path[path.index(marker) + len(marker) :]
        path = path[path.index("/") :]
    return path


def _read_files(files: Sequence[discord.File] | None) -> list[tuple[str, bytes]]:
    found = []
    for file in files or []:
        fp = file.fp
        try:
            fp.seek(0)
        except (AttributeError, OSError):
            pass
        found.append((file.filename or "file", fp.read()))
    return found


def _payload_from_form(form: Iterable[dict[str, Any]] | None) -> Any:
    for part in form or []:
        if part.get("name") == "payload_json":
            value = part["value"]
            return json.loads(value) if isinstance(value, str | bytes) else value
    return None


class SimHttp(HTTPClient):
    """The bot's REST client, answering from :class:`SimServer` instead of Discord."""

    def __init__(self, server: SimServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.server = server
        self.token = "simulated"

    async def request(
        self,
        route: Route,
        *,
        files: Sequence[discord.File] | None = None,
        form: Iterable[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        await asyncio.sleep(0)  # a real request always yields to the event loop
        body = kwargs.get("json")
        if body is None and form is not None:
            body = _payload_from_form(form)
        query = dict(kwargs.get("params") or {})
        result = self.server.handle(route.method, _path(route.url), _roundtrip(body), _read_files(files), query)
        return _roundtrip(result)

    async def static_login(self, token: str) -> Any:
        self.token = token
        return _roundtrip(self.server.bot_user_payload())

    async def get_from_cdn(self, url: str) -> bytes:
        for message in self.server.messages.values():
            for attachment, (_, data) in zip(message.data.get("attachments") or [], message.attachments, strict=False):
                if url in (attachment.get("url"), attachment.get("proxy_url")):
                    return data
        raise discord.NotFound(type("R", (), {"status": 404, "reason": "Not Found"})(), "Unknown attachment")

    async def close(self) -> None:
        return None


class SimWebhookAdapter(AsyncWebhookAdapter):
    """Interaction callbacks and webhook follow-ups, answered by the simulated server."""

    def __init__(self, server: SimServer) -> None:
        super().__init__()
        self.server = server

    async def request(  # type: ignore[override]
        self,
        route: Route,
        session: Any,
        *,
        payload: dict[str, Any] | None = None,
        multipart: list[dict[str, Any]] | None = None,
        proxy: Any = None,
        proxy_auth: Any = None,
        files: Sequence[discord.File] | None = None,
        reason: str | None = None,
        auth_token: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        await asyncio.sleep(0)
        body: Any = payload
        if body is None and multipart:
            body = _payload_from_form(multipart)
        result = self.server.handle_webhook(
            route.method, _path(route.url), _roundtrip(body), _read_files(files), dict(params or {})
        )
        return _roundtrip(result)
