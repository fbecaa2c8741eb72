"""A MediaWiki wiki through its Action API, with mwclient: log in with a bot password, read a page,
write it as a bot edit. Blocking calls (mwclient uses requests): the publisher runs them on a thread.

mwclient rather than pywikibot: it is one small library with no configuration files (pywikibot wants a
``user-config.py`` and a family file per wiki, and a directory to keep them in), it logs in with a bot
password in one call, fetches and refreshes tokens, and waits out a wiki that answers ``maxlag`` (or a 5xx)
by itself, a bounded number of times. Two things it does not do by default are done here: every request
carries ``maxlag`` (mwclient adds it only to index.php calls), and every edit carries the ``baserevid`` of
the revision the bot read (mwclient's ``basetimestamp`` has a one-second grain, so a hand edit saved in
the same second would be overwritten silently), with ``createonly``/``nocreate``, so an edit made in
between is merged by the wiki or refused as a conflict, never lost. Every failure is turned into a
:class:`WikiError` whose message says what went wrong in a sentence an operator can act on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import mwclient
import mwclient.errors
import requests

from bot import __version__

log = logging.getLogger(__name__)

#: Seconds a request may take before the wiki counts as unreachable for this run.
TIMEOUT = 20
#: How often mwclient retries a lagged (``maxlag``), busy (5xx) or rate-limited wiki, and its first wait.
RETRIES = 2
RETRY_WAIT = 5
#: The replication lag (seconds) above which the wiki asks bots to wait (``maxlag``), as it recommends.
MAX_LAG = 5


class WikiError(Exception):
    """The wiki could not be reached or refused: ``str(error)`` is a sentence for the operator."""


class EditConflict(WikiError):
    """Someone saved the page between our reading and our writing it."""


@dataclass(frozen=True)
class WikiPage:
    title: str
    text: str
    exists: bool
    #: The revision read (0 when the page does not exist): the edit is based on it.
    revision: int = 0


class WikiClient:
    """One run's session with the wiki (log in once, then read and write pages)."""

    def __init__(
        self, api_url: str, user: str, password: str, *, timeout: float = TIMEOUT, retries: int = RETRIES
    ) -> None:
        parts = urlsplit(api_url)
        self.api_url = api_url
        self.user = user
        self._password = password
        self._scheme = parts.scheme
        self._host = parts.netloc
        self._path = parts.path[: -len("api.php")] or "/"
        self._timeout = timeout
        self._retries = retries
        self._site: mwclient.Site | None = None
        self._read: dict[str, WikiPage] = {}

    def __repr__(self) -> str:  # never the password
        return f"<WikiClient {self.user} at {self.api_url}>"

    def connect(self) -> None:
        try:
            site = mwclient.Site(
                self._host,
                path=self._path,
                scheme=self._scheme,
                clients_useragent=f"partnerbot/{__version__} (partnerships working group bot)",
                max_retries=self._retries,
                retry_timeout=RETRY_WAIT,
                max_lag=MAX_LAG,
                connection_options={"timeout": self._timeout},
            )
            site.login(self.user, self._password)
        except mwclient.errors.LoginError as error:
            raise WikiError(f"the wiki refused the login of {self.user}: {_login_reason(error)}") from None
        except Exception as error:
            raise WikiError(_reach_problem(self.api_url, error)) from None
        self._site = site

    def read(self, title: str) -> WikiPage:
        """The page's latest text and revision (one request)."""
        site = self._connected()
        try:
            answer = site.get(
                "query",
                prop="revisions",
                titles=title,
                rvprop="ids|content",
                rvslots="main",
                formatversion=2,
                maxlag=MAX_LAG,
            )
        except mwclient.errors.APIError as error:
            raise WikiError(f"the wiki refused to read {title}: {error.code} ({error.info})") from None
        except Exception as error:
            raise WikiError(_reach_problem(self.api_url, error)) from None
        try:
            query = answer["query"]
            if query.get("interwiki"):
                raise WikiError(f"{title!r} names a page on another wiki (an interwiki prefix)")
            [found] = query["pages"]
            if found.get("invalid"):
                reason = found.get("invalidreason", "")
                raise WikiError(f"the wiki does not accept {title!r} as a page title: {reason}")
            if found.get("missing"):
                page = WikiPage(title=title, text="", exists=False)
            else:
                [revision] = found["revisions"]
                text = revision["slots"]["main"]["content"]
                page = WikiPage(title=title, text=text, exists=True, revision=int(revision["revid"]))
        except (KeyError, ValueError, TypeError):
            raise WikiError(f"the wiki's answer about {title!r} was not what a MediaWiki API gives") from None
        self._read[title] = page
        return page

    def write(self, title: str, text: str, summary: str) -> int:
        """Save ``text`` as a bot edit on top of the revision last :meth:`read`; returns the new revision id
        (0 when the wiki found nothing to change). Raises :class:`EditConflict` when someone saved, created
        or deleted the page since it was read in a way the wiki could not merge."""
        page = self._read.get(title)
        if page is None:
            raise RuntimeError("write() a page only after read() it")
        base = {"baserevid": page.revision, "nocreate": 1} if page.exists else {"createonly": 1}
        try:
            result = self._connected().post(
                "edit",
                title=title,
                text=text,
                summary=summary,
                bot=1,
                notminor=1,
                token=self._connected().get_token("csrf"),
                maxlag=MAX_LAG,
                **{"assert": "user"},
                **base,
            )
        except mwclient.errors.APIError as error:
            if error.code in ("editconflict", "articleexists", "missingtitle"):
                raise EditConflict(f"someone changed {title} while the bot was writing it ({error.code})") from None
            if error.code in ("protectedpage", "cascadeprotected", "protectednamespace", "protectedtitle"):
                raise WikiError(f"{title} is protected: the bot's account may not edit it") from None
            if error.code == "assertuserfailed":
                raise WikiError("the wiki logged the bot out during the run") from None
            if error.code == "readonly":
                raise WikiError(f"the wiki is read-only for now ({error.info})") from None
            if error.code == "ratelimited":
                raise WikiError(
                    f"the wiki's rate limit held back the edit of {title} (ask for the bot right)"
                ) from None
            raise WikiError(f"the wiki refused the edit of {title}: {error.code} ({error.info})") from None
        except Exception as error:
            raise WikiError(_reach_problem(self.api_url, error)) from None
        edit = result.get("edit", {})
        if str(edit.get("result", "")).lower() != "success":
            raise WikiError(f"the wiki did not save {title}: {edit}")
        self._read.pop(title, None)
        return int(edit.get("newrevid") or 0)

    def _connected(self) -> mwclient.Site:
        if self._site is None:
            self.connect()
        assert self._site is not None
        return self._site


def _login_reason(error: mwclient.errors.LoginError) -> str:
    info = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
    reason = info.get("reason") if isinstance(info, dict) else None
    if isinstance(reason, dict):
        reason = reason.get("*") or reason.get("text")
    return str(reason or info.get("result") or "wrong user name or bot password")


def _reach_problem(api_url: str, error: Exception) -> str:
    """A sentence for an error that kept the bot from talking to the wiki."""
    if isinstance(error, requests.exceptions.Timeout):
        return f"the wiki at {api_url} did not answer within {TIMEOUT} seconds"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"could not connect to the wiki at {api_url}"
    if isinstance(error, requests.exceptions.HTTPError):
        status = error.response.status_code if error.response is not None else "an error"
        return f"the wiki at {api_url} answered HTTP {status}"
    if isinstance(error, mwclient.errors.MaximumRetriesExceeded):
        return f"the wiki at {api_url} stayed busy or lagged after {RETRIES} retries"
    if isinstance(error, mwclient.errors.APIError):
        return f"the wiki refused: {error.code} ({error.info})"
    if isinstance(error, (mwclient.errors.InvalidResponse, ValueError)):
        return f"{api_url} did not answer like a MediaWiki API"
    log.warning("unexpected error talking to the wiki", exc_info=error)
    return f"the wiki at {api_url} could not be used ({type(error).__name__})"
