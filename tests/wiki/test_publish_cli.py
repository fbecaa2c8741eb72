"""`partnerbot publish [--dry-run]` through its real entry point, and the sandbox publishing to a real wiki."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.config import LeadsSettings
from bot.db import open_database
from bot.sandbox import run_script
from bot.services import leads
from bot.services.leads.service import log_lead
from tests.wiki.conftest import MediaWiki

REPO = Path(__file__).resolve().parents[2]
PASSWORD_ENV = "PB_TEST_WIKI_PASSWORD"


def write_config(tmp_path: Path, mw: MediaWiki | None, **wiki: Any) -> tuple[Path, dict[str, Any]]:
    raw = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    raw["database"] = str(tmp_path / "p.db")
    raw["questionnaires"] = str(REPO / "data" / "questionnaires")
    if mw is not None:
        raw["wiki"] = {
            "api_url": mw.api_url,
            "user": mw.bot_user,
            "password_env": PASSWORD_ENV,
            "pages": {"register": mw.unique_title("CLI/Register"), "decisions": mw.unique_title("CLI/Decisions")},
            **wiki,
        }
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return config, raw


def partnerbot(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    if password is not None:
        env[PASSWORD_ENV] = password
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
    )


async def seed(raw: dict[str, Any], partner: str) -> None:
    db = await open_database(raw["database"])
    try:
        draft = leads.LeadDraft(partner=partner, level="global", direction="external", visibility="public")
        now = datetime(2026, 2, 1, tzinfo=UTC)
        await log_lead(
            db, raw["guild_id"], draft, owner_id=1, now=now, settings=LeadsSettings(), check_duplicates=False
        )
    finally:
        await db.close()


async def test_publish_dry_run_prints_the_diff_then_publish_writes(tmp_path: Path, mediawiki: MediaWiki) -> None:
    config, raw = write_config(tmp_path, mediawiki)
    await seed(raw, "Europeana")
    dry = partnerbot("publish", "--dry-run", "--config", str(config), password=mediawiki.bot_password)
    assert dry.returncode == 0, dry.stderr
    register = raw["wiki"]["pages"]["register"]
    assert f"{register}: would be created" in dry.stdout and "+| Europeana" in dry.stdout
    assert mediawiki.page_text(register) is None
    done = partnerbot("publish", "--config", str(config), password=mediawiki.bot_password)
    assert done.returncode == 0, done.stderr
    assert f"{register}: created" in done.stdout
    assert "Europeana" in (mediawiki.page_text(register) or "")
    again = partnerbot("publish", "--config", str(config), password=mediawiki.bot_password)
    assert f"{register}: left as it is (nothing changed)" in again.stdout


async def test_publish_explains_each_problem_in_one_line(tmp_path: Path, mediawiki: MediaWiki) -> None:
    no_wiki, raw = write_config(tmp_path, None)
    await seed(raw, "Europeana")
    r = partnerbot("publish", "--config", str(no_wiki))
    assert r.returncode == 2 and "has no wiki: section" in r.stderr and "Traceback" not in r.stderr
    config, _ = write_config(tmp_path, mediawiki)
    r = partnerbot("publish", "--config", str(config))  # no password in the environment
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and f"{PASSWORD_ENV}" in r.stderr
    r = partnerbot("publish", "--config", str(config), password="not-the-password-" + "x" * 20)
    assert r.returncode == 1 and "refused the login" in r.stderr and "Traceback" not in r.stderr
    down, _ = write_config(tmp_path, mediawiki, api_url="http://127.0.0.1:9/api.php")
    r = partnerbot("publish", "--config", str(down), password=mediawiki.bot_password)
    assert r.returncode == 1 and "could not connect to the wiki" in r.stderr and r.stderr.count("\n") == 1
    (tmp_path / "elsewhere").mkdir()
    missing, _ = write_config(tmp_path / "elsewhere", mediawiki)
    r = partnerbot("publish", "--config", str(missing), password=mediawiki.bot_password)
    assert r.returncode == 2 and "no database at" in r.stderr


async def test_the_sandbox_publishes_to_a_wiki_given_on_its_command_line(
    tmp_path: Path, mediawiki: MediaWiki, monkeypatch: Any
) -> None:
    monkeypatch.setenv("WIKI_BOT_PASSWORD", mediawiki.bot_password)
    register = mediawiki.unique_title("Partnerships/Register")
    wiki = {"api_url": mediawiki.api_url, "user": mediawiki.bot_user, "pages": {"register": register}}
    lines = [
        '/lead add partner:"Biblioteca Nacional" level:national direction:external summary:"A national library"',
        "/lead edit lead:L-1 field:visibility value:public",
        "/publish now",
        "/publish status",
    ]
    transcript = await run_script(lines, workdir=tmp_path / "work", wiki=wiki)
    assert "Published on the wiki" in transcript and "last written" in transcript
    assert "Biblioteca Nacional" in (mediawiki.page_text(register) or "")


async def test_a_failed_command_line_run_is_not_reported_as_the_bots(tmp_path: Path, mediawiki: MediaWiki) -> None:
    down, raw = write_config(tmp_path, mediawiki, api_url="http://127.0.0.1:9/api.php")
    await seed(raw, "Europeana")
    r = partnerbot("publish", "--config", str(down), password=mediawiki.bot_password)
    assert r.returncode == 1
    db = await open_database(raw["database"])
    try:
        assert await db.fetchval("SELECT COUNT(*) FROM wiki_runs") == 0
    finally:
        await db.close()
