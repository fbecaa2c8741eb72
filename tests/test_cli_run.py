"""`partnerbot run` through its real entry point against an unreachable or stand-in Discord: each failure
at start is one line and an exit status; a network lost after the start is retried, not an exit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from bot.run import DISCORD_URL_ENV, unreachable

REPO = Path(__file__).resolve().parents[1]
TOKEN = "stand-in-token"
USER = {"id": "900000000000000001", "username": "partnerbot", "discriminator": "0", "avatar": None, "bot": True}
APP_ID = "900000000000000002"


def reply(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py reads anything else (a charset added) as text.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


class StandInDiscord:
    """Just enough of Discord's REST API and gateway, on 127.0.0.1, for the bot to log in, register its
    commands, identify and resume."""

    def __init__(self, *, gateway: bool = True, in_guild: bool = True) -> None:
        self.gateway = gateway
        self.in_guild = in_guild
        self.identified = 0
        self.resumed = 0
        self.port = 0
        self._open: list[web.Request] = []
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        self._site: web.TCPSite | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> StandInDiscord:
        await self._runner.setup()
        await self.listen()
        return self

    async def listen(self) -> None:
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        server: Any = self._site._server
        self.port = server.sockets[0].getsockname()[1]

    async def drop(self) -> None:
        """The network goes: nothing listens any more, and open connections die without a goodbye."""
        assert self._site is not None
        await self._site.stop()
        for request in list(self._open):
            if request.transport is not None:
                request.transport.abort()

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return reply({"message": "401: Unauthorized", "code": 0}, status=401)
        route = f"{request.method} /{request.match_info['tail']}"
        if route == "GET /users/@me":
            return reply(USER)
        if route == "GET /oauth2/applications/@me":
            owner = {**USER, "id": "900000000000000003", "bot": False}
            return reply(
                {
                    "id": APP_ID,
                    "name": "partnerbot",
                    "description": "",
                    "icon": None,
                    "bot_public": False,
                    "bot_require_code_grant": False,
                    "owner": owner,
                    "verify_key": "0" * 64,
                    "flags": 0,
                }
            )
        if route.startswith(f"PUT /applications/{APP_ID}/") and route.endswith("/commands"):
            if "/guilds/" in route and not self.in_guild:
                return reply({"message": "Missing Access", "code": 50001}, status=403)
            return reply([])
        return reply({"message": "Unknown", "code": 10003}, status=404)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if not self.gateway:
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._open.append(request)
        try:
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
            sequence = 0
            async for message in ws:
                payload = json.loads(message.data)
                if payload["op"] == 1:
                    await ws.send_json({"op": 11})
                elif payload["op"] == 2:
                    self.identified += 1
                    sequence += 1
                    ready = {
                        "v": 10,
                        "user": USER,
                        "guilds": [],
                        "session_id": "session",
                        "resume_gateway_url": f"ws://127.0.0.1:{self.port}/",
                        "application": {"id": APP_ID, "flags": 0},
                    }
                    await ws.send_json({"op": 0, "t": "READY", "s": sequence, "d": ready})
                elif payload["op"] == 6:
                    self.resumed += 1
                    sequence = int(payload["d"]["seq"] or 0) + 1
                    await ws.send_json({"op": 0, "t": "RESUMED", "s": sequence, "d": {}})
        finally:
            self._open.remove(request)
        return ws


def write_config(tmp_path: Path) -> Path:
    raw = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    raw["database"] = str(tmp_path / "p.db")
    raw["questionnaires"] = str(REPO / "data" / "questionnaires")
    raw["log_dir"] = str(tmp_path / "logs")
    raw["log_level"] = "WARNING"  # the console then carries only what goes wrong
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config


def environment(discord_url: str, token: str = TOKEN) -> dict[str, str]:
    return {**os.environ, "DISCORD_TOKEN": token, DISCORD_URL_ENV: discord_url}


async def run(config: Path, discord_url: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    # In a thread: the stand-in Discord answers on this test's event loop meanwhile.
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=environment(discord_url, token),
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_refused_connection_is_one_line_and_exit_1(tmp_path: Path) -> None:
    port = closed_port()
    result = await run(write_config(tmp_path), f"http://127.0.0.1:{port}")
    line = one_line(result)
    assert result.returncode == 1
    assert line.startswith("Cannot reach Discord to log in") and f"127.0.0.1:{port}" in line and "refused" in line


async def test_a_name_that_does_not_resolve_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = await run(write_config(tmp_path), "https://discord.invalid")
    line = one_line(result)
    assert result.returncode == 1
    assert "the name discord.invalid does not resolve" in line


async def test_a_failed_tls_handshake_is_one_line_and_exit_1(tmp_path: Path) -> None:
    discord = await StandInDiscord().start()
    try:  # HTTPS spoken to a plain-HTTP server: the handshake fails
        result = await run(write_config(tmp_path), f"https://127.0.0.1:{discord.port}")
    finally:
        await discord.close()
    line = one_line(result)
    assert result.returncode == 1
    assert line.startswith("Cannot reach Discord to log in") and "TLS" in line and str(discord.port) in line


async def test_an_unreachable_gateway_is_one_line_and_exit_1(tmp_path: Path) -> None:
    discord = await StandInDiscord(gateway=False).start()
    try:
        result = await run(write_config(tmp_path), discord.url)
    finally:
        await discord.close()
    line = one_line(result)
    assert result.returncode == 1
    assert line.startswith("Cannot open Discord's gateway") and "HTTP 503" in line
    assert discord.identified == 0


async def test_a_rejected_token_and_a_missing_bot_are_one_line_and_exit_2(tmp_path: Path) -> None:
    discord = await StandInDiscord(in_guild=False).start()
    try:
        rejected = await run(write_config(tmp_path), discord.url, token="not-the-token")
        missing = await run(write_config(tmp_path), discord.url)
    finally:
        await discord.close()
    assert rejected.returncode == 2 and "rejected the token in DISCORD_TOKEN" in one_line(rejected)
    line = one_line(missing)
    assert missing.returncode == 2
    assert "server 100000000000000001" in line and f"partnerbot invite-url --client-id {APP_ID}" in line


def test_a_timeout_names_the_host_that_did_not_answer() -> None:
    # aiohttp gives up after 30 seconds without a connection: too slow to wait for here.
    timeout = aiohttp.ServerTimeoutError("Connection timeout to host https://discord.com/api/v10/users/@me")
    assert unreachable(timeout, "https://discord.com/api/v10") == "no answer from discord.com in time"
    assert unreachable(TimeoutError(), "wss://gateway.discord.gg/?v=10") == "no answer from gateway.discord.gg in time"


async def test_only_a_test_address_may_stand_in_for_discord(tmp_path: Path) -> None:
    result = await run(write_config(tmp_path), "https://discord.example.com")
    assert result.returncode == 2 and DISCORD_URL_ENV in one_line(result)


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


async def _until(condition: Any, process: asyncio.subprocess.Process, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.returncode is None, text(log)
        assert time.monotonic() < deadline, text(log)
        await asyncio.sleep(0.1)


async def test_a_network_lost_after_the_start_is_retried_not_an_exit(tmp_path: Path) -> None:
    discord = await StandInDiscord().start()
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--config", str(write_config(tmp_path))),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=environment(discord.url),
        )
    try:
        await _until(lambda: discord.identified == 1, process, 60, stderr)
        await discord.drop()
        # Reconnecting meets a refused connection, and waits (backoff) before the next try.
        await _until(lambda: "Attempting a reconnect" in text(stderr), process, 30, stderr)
        await asyncio.sleep(1)
        assert process.returncode is None, text(stderr)
        await discord.listen()
        await _until(lambda: discord.resumed + discord.identified >= 2, process, 60, stderr)
        assert process.returncode is None, text(stderr)
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0, text(stderr)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await discord.close()
