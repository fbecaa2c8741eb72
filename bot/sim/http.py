"""The wire between discord.py and the simulated server.

discord.py talks to Discord through one ``aiohttp.ClientSession``: its REST client
(``HTTPClient.request``) and its webhook adapter (interaction responses and follow-ups) both call
``session.request(...)`` and read the status, headers and body of the answer. :class:`SimSession` stands in
for that session, so everything above it runs as it would against Discord: discord.py's JSON and
multipart encoding, its rate-limit buckets, its handling of ``429 Too Many Requests`` (it sleeps
``retry_after`` and tries again), its retries of 5xx answers, and the exceptions it raises for the rest.

Faults a test injects (:class:`bot.sim.faults.Fault`) happen here, on the wire: a status answer, a
``429`` with ``retry_after``, a timeout, a dropped connection or a slow answer.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import discord
import orjson
from discord.http import HTTPClient, Route
from multidict import CIMultiDict

from bot.sim.server import SimServer


def _path(url: str) -> str:
    path = urlsplit(str(url)).path
    marker = "/api/v"
    if marker in path:
        path = path[path.index(marker) + len(marker) :]
        path = path[path.index("/") :]
    return path


def _read_body(data: Any) -> tuple[Any, list[tuple[str, bytes]]]:
    """The JSON payload and the files of a request body as aiohttp would send it."""
    if data is None:
        return None, []
    if isinstance(data, str | bytes):
        return orjson.loads(data), []
    if isinstance(data, aiohttp.FormData):
        payload: Any = None
        files: list[tuple[str, bytes]] = []
        for options, _headers, value in data._fields:  # the parts aiohttp would encode, in order
            if options.get("name") == "payload_json":
                payload = orjson.loads(value)
            elif "filename" in options:
                files.append((options["filename"], value.read() if hasattr(value, "read") else bytes(value)))
        return payload, files
    raise TypeError(f"bot/sim cannot read a request body of type {type(data).__name__}")


class SimResponse:
    """Enough of ``aiohttp.ClientResponse`` for discord.py: status, reason, headers and the body."""

    def __init__(self, status: int, body: Any = None, *, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = {
            200: "OK",
            204: "No Content",
            400: "Bad Request",
            401: "Unauthorized",
            429: "Too Many Requests",
        }.get(status, "")
        self.headers: CIMultiDict[str] = CIMultiDict(headers or {})
        if body is None:
            self._text = ""
        else:
            self._text = orjson.dumps(body).decode()
            self.headers["Content-Type"] = "application/json"

    async def text(self, encoding: str = "utf-8") -> str:
        return self._text

    async def json(self) -> Any:
        return orjson.loads(self._text) if self._text else None

    async def read(self) -> bytes:
        return self._text.encode()

    async def __aenter__(self) -> SimResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Exchange:
    """``async with session.request(...) as response``: one request and its answer."""

    def __init__(self, session: SimSession, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self.session = session
        self.method = method
        self.url = url
        self.kwargs = kwargs

    async def __aenter__(self) -> SimResponse:
        return await self.session.exchange(self.method, self.url, self.kwargs)

    async def __aexit__(self, *exc: object) -> None:
        return None


class SimSession:
    """The aiohttp session discord.py uses, answered by :class:`SimServer` instead of Discord."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.closed = False

    def request(self, method: str, url: Any, **kwargs: Any) -> _Exchange:
        return _Exchange(self, method, str(url), kwargs)

    async def exchange(self, method: str, url: str, kwargs: dict[str, Any]) -> SimResponse:
        path = _path(url)
        # A real request always yields to the event loop at least once.
        await asyncio.sleep(0)
        fault = self.server.take_fault(method, path)
        if fault is not None:
            early = await fault.strike(method, path)
            if early is not None:
                return early
        body, files = _read_body(kwargs.get("data"))
        query = dict(kwargs.get("params") or {})
        webhook = path.startswith(("/interactions/", "/webhooks/"))
        if not webhook and not self.server.accepts(kwargs.get("headers")):
            # reference#authentication: a request without a valid token is answered 401 Unauthorized.
            return SimResponse(401, {"code": 0, "message": "401: Unauthorized"})
        try:
            if webhook:
                result = self.server.handle_webhook(method, path, body, files, query)
            else:
                result = self.server.handle(method, path, body, files, query)
        except discord.HTTPException as error:
            return SimResponse(error.status, {"code": error.code, "message": error.text or "error"})
        if fault is not None and fault.kind == "lost":
            raise TimeoutError(f"simulated lost answer to {method} {path} (Discord did it)")
        if result is None:
            return SimResponse(204)
        return SimResponse(200, result)

    async def close(self) -> None:
        self.closed = True


class SimHttp(HTTPClient):
    """The bot's REST client, discord.py's own, on a :class:`SimSession`."""

    def __init__(self, server: SimServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.server = server
        self.token = "simulated"
        self.session = SimSession(server)
        self._HTTPClient__session = self.session  # type: ignore[attr-defined]  # where static_login puts it
        self._global_over = asyncio.Event()  # what static_login sets up: no global rate limit in force
        self._global_over.set()

    async def static_login(self, token: str) -> Any:
        """discord.py's login on the simulated session: ``GET /users/@me`` with the token; a ``401`` is a
        :class:`discord.LoginFailure`, as from :meth:`HTTPClient.static_login`."""
        old_token, self.token = self.token, token
        try:
            return await self.request(Route("GET", "/users/@me"))
        except discord.HTTPException as exc:
            self.token = old_token
            if exc.status == 401:
                raise discord.LoginFailure("Improper token has been passed.") from exc
            raise

    async def get_from_cdn(self, url: str) -> bytes:
        for message in self.server.messages.values():
            for attachment, (_, data) in zip(message.data.get("attachments") or [], message.attachments, strict=False):
                if url in (attachment.get("url"), attachment.get("proxy_url")):
                    return data
        raise discord.NotFound(SimResponse(404), "Unknown attachment")  # type: ignore[arg-type]

    async def close(self) -> None:
        return None
