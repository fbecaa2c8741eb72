"""A real MediaWiki for the wiki publishing tests (issue 16): never a mock.

The session-scoped ``mediawiki`` fixture builds a fresh wiki from Debian's ``mediawiki`` package (1.39) in a
temporary directory and serves it with PHP's built-in web server on a free port of 127.0.0.1:

1. ``maintenance/install.php`` with ``--dbtype sqlite``: the SQLite files and ``LocalSettings.php`` go into the
   temporary directory (``--dbpath``, ``--confpath``); nothing under /etc, /var/lib or /usr is written.
2. ``TestSettings.php``, required at the end of ``LocalSettings.php``: bot passwords on, the wiki's URL,
   caches and uploads in the temporary directory, no e-mail, no jobs run on web requests, and two switches the
   tests can flip (``lagging()``: the API reports replication lag, so it answers ``maxlag`` errors;
   ``read_only()``: the wiki is read-only).
3. ``createAndPromote.php --bot``: ``Admin`` joins the ``bot`` group; ``createBotPassword.php``: the bot
   password ``Admin@partnerbot`` (grants ``basic,highvolume,editpage,createeditmovepage``); a plain account
   ``Human Editor`` for hand edits.
4. ``php -S 127.0.0.1:PORT -t /usr/share/mediawiki`` with ``MW_CONFIG_FILE`` pointing at that
   ``LocalSettings.php`` (MediaWiki 1.39 reads the variable, see includes/BootstrapHelperFunctions.php), then
   ``api.php?action=query&meta=siteinfo`` is polled until it answers. The server is stopped at session end.

It takes about 1 s once per session (install 0.3 s, accounts 0.4 s, server up and first answer 0.3 s), and an
edit about 0.05 s (a login 0.1-0.2 s). Under pytest-xdist each worker builds its own wiki (own temporary
directory and port). The server runs one request at a time, so a request has finished all its work (recent
changes rows included) before the next one starts: what a test reads after an edit is up to date.

The wiki lives for the whole session: use ``mediawiki.unique_title(...)`` so tests don't see each other's pages.

The helpers read and write through plain HTTP (urllib), never through the code under test or mwclient.

Needs ``apt-get install --no-install-recommends mediawiki php-cli php-sqlite3 php-mbstring php-xml php-intl
php8.2-cgi mini-httpd`` (what .ci/run installs). Without it the tests are skipped, or fail when ``CI`` is set.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.cookiejar
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MEDIAWIKI_DIR = Path("/usr/share/mediawiki")
PHP_EXTENSIONS = ("sqlite3", "pdo_sqlite", "intl", "mbstring", "xml", "dom", "json")
INSTALL_HINT = (
    "PHP and Debian's mediawiki package are needed: apt-get install --no-install-recommends mediawiki php-cli "
    "php-sqlite3 php-mbstring php-xml php-intl php8.2-cgi mini-httpd (as .ci/run does)"
)
ADMIN_USER = "Admin"
BOT_APP_ID = "partnerbot"
BOT_GRANTS = "basic,highvolume,editpage,createeditmovepage"
HUMAN_USER = "Human Editor"
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0

_titles = itertools.count(1)


class WikiAPIError(Exception):
    """The API answered ``{"error": {"code": ..., "info": ...}}``."""

    def __init__(self, response: Mapping[str, Any]) -> None:
        error = response.get("error", {})
        self.code: str = error.get("code", "")
        self.info: str = error.get("info", "")
        self.response = response
        super().__init__(f"{self.code}: {self.info}")


@dataclass(frozen=True)
class Revision:
    """One revision of a page, oldest first in ``MediaWiki.revisions``."""

    revid: int
    parentid: int
    user: str
    timestamp: str  # ISO 8601, second precision: 2026-01-31T12:00:00Z
    comment: str
    text: str  # as stored: MediaWiki strips trailing whitespace and expands ~~~~ and {{subst:}}
    minor: bool
    bot: bool | None  # the edit's bot flag (from recent changes); None if the change has no recent-changes row
    tags: tuple[str, ...]


class WikiSession:
    """An API session over plain HTTP with its own cookies: anonymous, or logged in with ``login()``."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.user: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self._csrf: str | None = None

    def get(self, **params: Any) -> dict[str, Any]:
        """The decoded answer to a GET, errors included (``{"error": ...}``); formatversion 2."""
        query = urllib.parse.urlencode(_encode(params))
        return self._open(urllib.request.Request(f"{self.api_url}?{query}"))

    def post(self, **params: Any) -> dict[str, Any]:
        """The decoded answer to a POST, errors included; adds the CSRF token unless ``token`` is given."""
        if "token" not in params and params.get("action") != "login":
            answer = self._post({**params, "token": self.csrf_token()})
            if answer.get("error", {}).get("code") != "badtoken":
                return answer
            params = {**params, "token": self.csrf_token(refresh=True)}
        return self._post(params)

    def csrf_token(self, *, refresh: bool = False) -> str:
        if self._csrf is None or refresh:
            self._csrf = self.get(action="query", meta="tokens", type="csrf")["query"]["tokens"]["csrftoken"]
        return self._csrf

    def login(self, user: str, password: str) -> None:
        """action=login: works for bot passwords, and (with a deprecation warning) for main accounts."""
        token = self.get(action="query", meta="tokens", type="login")["query"]["tokens"]["logintoken"]
        answer = self._post({"action": "login", "lgname": user, "lgpassword": password, "lgtoken": token})
        if answer.get("login", {}).get("result") != "Success":
            raise WikiAPIError({"error": {"code": "login", "info": json.dumps(answer)}})
        self.user = user
        self._csrf = None

    def _post(self, params: Mapping[str, Any]) -> dict[str, Any]:
        body = urllib.parse.urlencode(_encode(params)).encode()
        return self._open(urllib.request.Request(self.api_url, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:  # the API's own errors come back as 200, but not all of them
            payload = error.read()
        return json.loads(payload)


def _encode(params: Mapping[str, Any]) -> dict[str, str]:
    encoded = {"format": "json", "formatversion": "2"}
    for key, value in params.items():
        if value is None or value is False:
            continue
        if value is True:
            encoded[key] = "1"
        elif isinstance(value, list | tuple):
            encoded[key] = "|".join(str(item) for item in value)
        else:
            encoded[key] = str(value)
    return encoded


def _checked(answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in answer:
        raise WikiAPIError(answer)
    return answer


@dataclass(frozen=True)
class MediaWiki:
    """A running wiki. ``mwclient.Site(wiki.host, path=wiki.path, scheme=wiki.scheme)`` reaches it."""

    host: str  # "127.0.0.1:PORT"
    path: str  # "/": api.php and index.php are at the root
    scheme: str  # "http"
    api_url: str  # http://127.0.0.1:PORT/api.php
    index_url: str  # http://127.0.0.1:PORT/index.php
    admin_user: str  # "Admin": sysop, bureaucrat, interface-admin and bot
    admin_password: str
    bot_user: str  # "Admin@partnerbot": the bot-password login name
    bot_password: str
    human_user: str  # "Human Editor": a plain (autoconfirmed) account, not a bot
    human_password: str
    directory: Path  # the wiki's files: LocalSettings.php, TestSettings.php, db/, server.log
    log_path: Path  # the PHP server's request log and PHP errors
    timings: Mapping[str, float]  # seconds: install, accounts, start, total
    _sessions: dict[str, WikiSession] = field(default_factory=dict, repr=False, compare=False)

    def session(self, user: str | None = None) -> WikiSession:
        """A session logged in as ``user`` (admin_user, bot_user or human_user), or anonymous; kept for reuse."""
        key = user or ""
        if key not in self._sessions:
            session = WikiSession(self.api_url)
            if user is not None:
                passwords = {
                    self.admin_user: self.admin_password,
                    self.bot_user: self.bot_password,
                    self.human_user: self.human_password,
                }
                session.login(user, passwords[user])
            self._sessions[key] = session
        return self._sessions[key]

    def unique_title(self, title: str) -> str:
        """``title`` with a number no other test of this session gets: "Partenariats/Registre 7"."""
        return f"{title} {next(_titles)}"

    def page_text(self, title: str) -> str | None:
        """The page's current wikitext, or None if there is no such page."""
        latest = self.latest_revision(title)
        return None if latest is None else latest.text

    def latest_revision(self, title: str) -> Revision | None:
        revisions = self.revisions(title)
        return revisions[-1] if revisions else None

    def revisions(self, title: str) -> list[Revision]:
        """Every revision of the page, oldest first, with its text and bot flag; [] if there is no such page."""
        reader = self.session()
        flags: dict[int, bool] = {}
        params: dict[str, Any] = {
            "action": "query",
            "list": "recentchanges",
            "rctitle": title,
            "rcprop": "ids|flags",
            "rctype": "edit|new",
            "rclimit": "max",
        }
        while True:
            answer = _checked(reader.get(**params))
            for change in answer["query"]["recentchanges"]:
                flags[change["revid"]] = bool(change.get("bot"))
            if "continue" not in answer:
                break
            params.update(answer["continue"])
        revisions: list[Revision] = []
        params = {
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": "ids|timestamp|user|comment|content|flags|tags",
            "rvslots": "main",
            "rvdir": "newer",
            "rvlimit": "max",
        }
        while True:
            answer = _checked(reader.get(**params))
            page = answer["query"]["pages"][0]
            if page.get("missing") or page.get("invalid"):
                return []
            for revision in page.get("revisions", []):
                revisions.append(
                    Revision(
                        revid=revision["revid"],
                        parentid=revision["parentid"],
                        user=revision.get("user", ""),
                        timestamp=revision["timestamp"],
                        comment=revision.get("comment", ""),
                        text=revision["slots"]["main"].get("content", ""),
                        minor=bool(revision.get("minor")),
                        bot=flags.get(revision["revid"]),
                        tags=tuple(revision.get("tags", ())),
                    )
                )
            if "continue" not in answer:
                return revisions
            params.update(answer["continue"])

    def edit_as_human(
        self,
        title: str,
        text: str,
        summary: str = "Hand edit",
        *,
        as_admin: bool = False,
        baserevid: int | None = None,
    ) -> int | None:
        """Edit like a person would: as ``human_user`` (or the admin's own login), never bot-flagged.

        Returns the new revision id, or None if the text was the same (no revision). Raises WikiAPIError.
        """
        session = self.session(self.admin_user if as_admin else self.human_user)
        answer = _checked(session.post(action="edit", title=title, text=text, summary=summary, baserevid=baserevid))
        edit = answer["edit"]
        if edit.get("result") != "Success":
            raise WikiAPIError({"error": {"code": "edit-failure", "info": json.dumps(edit)}})
        return None if edit.get("nochange") else int(edit["newrevid"])

    @contextlib.contextmanager
    def lagging(self, seconds: float) -> Iterator[None]:
        """While inside, the API reports ``seconds`` of replication lag: a request with maxlag below answers
        ``{"error": {"code": "maxlag", "lag": ...}}`` with ``Retry-After`` and ``X-Database-Lag`` headers."""
        switch = self.directory / "fake-lag"
        switch.write_text(str(seconds))
        try:
            yield
        finally:
            switch.unlink(missing_ok=True)

    @contextlib.contextmanager
    def read_only(self, reason: str = "Maintenance in progress.") -> Iterator[None]:
        """While inside, the wiki is read-only (``$wgReadOnlyFile``): edits answer ``readonly``."""
        switch = self.directory / "read-only"
        switch.write_text(reason)
        try:
            yield
        finally:
            switch.unlink(missing_ok=True)


def _php_string(value: str) -> str:
    """A PHP single-quoted string literal: no interpolation, bytes as they are."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _test_settings(directory: Path, port: int) -> str:
    php = _php_string
    return f"""<?php
# Written by tests/wiki/conftest.py, required at the end of LocalSettings.php.
$wgServer = {php(f"http://127.0.0.1:{port}")};
$wgCanonicalServer = $wgServer;
$wgEnableBotPasswords = true;
$wgCacheDirectory = {php(str(directory / "cache"))};
$wgUploadDirectory = {php(str(directory / "images"))};
$wgEnableUploads = false;
$wgUseImageMagick = false;
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgShowExceptionDetails = true;
# Jobs (link tables of other pages, cache purges) are not run on web requests: nothing happens between
# two requests of a test, and the page's own text, revisions and recent changes never wait for a job.
$wgJobRunRate = 0;
# Switches for the tests: MediaWiki::lagging() and MediaWiki::read_only().
$wgReadOnlyFile = {php(str(directory / "read-only"))};
$wgHooks['ApiMaxLagInfo'][] = static function ( array &$lagInfo ) {{
    $switch = {php(str(directory / "fake-lag"))};
    if ( is_readable( $switch ) ) {{
        $lagInfo = [ 'host' => 'replica.test', 'lag' => (float)file_get_contents( $switch ), 'type' => 'db' ];
    }}
}};
"""


def _missing_requirements() -> str | None:
    if shutil.which("php") is None:
        return "php is not installed"
    if not (MEDIAWIKI_DIR / "maintenance" / "install.php").is_file():
        return f"there is no MediaWiki in {MEDIAWIKI_DIR}"
    check = "foreach (array_slice($argv, 1) as $e) { if (!extension_loaded($e)) { echo $e, ' '; } }"
    missing = subprocess.run(
        ["php", "-r", check, "--", *PHP_EXTENSIONS], capture_output=True, text=True, timeout=30
    ).stdout.split()
    if missing:
        return f"PHP lacks the extensions {', '.join(missing)}"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _php(args: list[str], settings: Path | None) -> str:
    env = {**os.environ, "MW_CONFIG_FILE": str(settings)} if settings else {**os.environ}
    if settings is None:
        env.pop("MW_CONFIG_FILE", None)
    result = subprocess.run(
        ["php", *args], cwd=MEDIAWIKI_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"php {' '.join(args[:1])} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _die_with_parent() -> None:
    """In the server's process: get SIGTERM if pytest dies without tearing down (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wiki_id(api_url: str) -> str | None:
    """The wiki id (database name) of the wiki answering at ``api_url``, if one answers."""
    query = urllib.parse.urlencode({"action": "query", "meta": "siteinfo", "format": "json"})
    try:
        with urllib.request.urlopen(f"{api_url}?{query}", timeout=2) as response:
            return json.loads(response.read())["query"]["general"]["wikiid"]
    except (OSError, ValueError, KeyError):
        return None


def _start_server(directory: Path, settings: Path, log_path: Path, wiki_id: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``php -S`` on a free port; another port if that one was taken meanwhile (then the wiki answering
    there, if any, is not ours: its wiki id tells)."""
    env = {**os.environ, "MW_CONFIG_FILE": str(settings)}
    env.pop("PHP_CLI_SERVER_WORKERS", None)  # one request at a time: see the module docstring
    for _attempt in range(5):
        port = _free_port()
        log_start = log_path.stat().st_size if log_path.exists() else 0
        (directory / "TestSettings.php").write_text(_test_settings(directory, port))
        with log_path.open("ab") as log:
            server = subprocess.Popen(
                ["php", "-S", f"127.0.0.1:{port}", "-t", str(MEDIAWIKI_DIR)],
                cwd=directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        api_url = f"http://127.0.0.1:{port}/api.php"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if server.poll() is not None:
                break
            if _wiki_id(api_url) == wiki_id:
                return server, port
            time.sleep(0.05)
        else:
            _stop(server)
            raise RuntimeError(f"MediaWiki did not answer within {START_TIMEOUT:.0f} s:\n{_read_log(log_path)}")
        if "Address already in use" not in _read_log(log_path, log_start):
            raise RuntimeError(f"php -S stopped ({server.returncode}):\n{_read_log(log_path, log_start)}")
    raise RuntimeError("no free port for php -S after 5 attempts")


def _read_log(log_path: Path, start: int = 0) -> str:
    return log_path.read_bytes()[start:].decode(errors="replace")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def mediawiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaWiki]:
    """A fresh MediaWiki 1.39 on SQLite, served on 127.0.0.1 for the whole session (see the module docstring)."""
    problem = _missing_requirements()
    if problem is not None:
        message = f"{problem}. {INSTALL_HINT}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    started = time.monotonic()
    directory = tmp_path_factory.mktemp("mediawiki")  # per xdist worker: basetemp is
    (directory / "db").mkdir()
    (directory / "cache").mkdir()
    (directory / "images").mkdir()
    # Passwords go on the maintenance scripts' command lines: none may start with "-" (read as an option).
    admin_password = f"Admin-{secrets.token_hex(12)}"
    bot_password = secrets.token_hex(16)  # bot passwords: at least 32 characters
    human_password = f"Human-{secrets.token_hex(12)}"
    settings = directory / "LocalSettings.php"
    wiki_id = f"testwiki_{secrets.token_hex(4)}"  # tells this wiki from another session's on a reused port
    log_path = directory / "server.log"

    # The port is not known yet: TestSettings.php sets $wgServer once it is.
    _php(
        [
            "maintenance/install.php",
            "--dbtype=sqlite",
            f"--dbpath={directory / 'db'}",
            f"--dbname={wiki_id}",
            "--server=http://127.0.0.1",
            "--scriptpath=",
            f"--confpath={directory}",
            f"--pass={admin_password}",
            "--lang=en",
            "--skins=Vector",
            "Test Wiki",
            ADMIN_USER,
        ],
        None,
    )
    with settings.open("a") as file:
        file.write('\nrequire_once __DIR__ . "/TestSettings.php";\n')
    (directory / "TestSettings.php").write_text(_test_settings(directory, 0))
    installed = time.monotonic()

    _php(["maintenance/createAndPromote.php", "--bot", "--force", ADMIN_USER], settings)
    bot_password_args = [f"--appid={BOT_APP_ID}", f"--grants={BOT_GRANTS}", ADMIN_USER, bot_password]
    _php(["maintenance/createBotPassword.php", *bot_password_args], settings)
    _php(["maintenance/createAndPromote.php", HUMAN_USER, human_password], settings)
    accounts = time.monotonic()

    server, port = _start_server(directory, settings, log_path, wiki_id)
    up = time.monotonic()
    host = f"127.0.0.1:{port}"
    try:
        yield MediaWiki(
            host=host,
            path="/",
            scheme="http",
            api_url=f"http://{host}/api.php",
            index_url=f"http://{host}/index.php",
            admin_user=ADMIN_USER,
            admin_password=admin_password,
            bot_user=f"{ADMIN_USER}@{BOT_APP_ID}",
            bot_password=bot_password,
            human_user=HUMAN_USER,
            human_password=human_password,
            directory=directory,
            log_path=log_path,
            timings={
                "install": installed - started,
                "accounts": accounts - installed,
                "start": up - accounts,
                "total": up - started,
            },
        )
    finally:
        _stop(server)
