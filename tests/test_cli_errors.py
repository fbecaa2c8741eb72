"""The command line's mistakes of the first hour, through its real entry point: each is one line and exit
status 2, and nothing is created on the way (no empty database, no half a backup)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.db import feedback_path, open_database

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
GUILD = int(EXAMPLE["guild_id"])
HEADER = b"\xef\xbb\xbfid,partner,"


def write_config(folder: Path, **changes: Any) -> Path:
    raw = {
        **EXAMPLE,
        "database": str(folder / "p.db"),
        "questionnaires": str(REPO / "data" / "questionnaires"),
        "log_dir": str(folder / "logs"),
        **changes,
    }
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config


def partnerbot(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line of a refusal (exit status 2, no traceback)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def make_database(path: Path, *guild_state: int) -> None:
    """The bot's database with a ``guild_state`` row for each server given (the bot writes one at start)."""
    asyncio.run(_make_database(path, guild_state))


async def _make_database(path: Path, guild_state: tuple[int, ...]) -> None:
    db = await open_database(path)
    try:
        async with db.transaction() as conn:
            for guild in guild_state:
                await conn.execute(
                    "INSERT INTO guild_state (guild_id, key, value) VALUES (?, 'review.quorum', '2')", (guild,)
                )
    finally:
        await db.close()


# -- no database ---------------------------------------------------------------------------------


def test_backup_and_export_without_a_database_create_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, database=str(tmp_path / "data" / "p.db"))
    before = sorted(tmp_path.rglob("*"))
    line = refused(partnerbot("backup", tmp_path / "copy.db", "--config", config))
    assert line.startswith(f"no database at {tmp_path / 'data' / 'p.db'}") and str(config) in line
    line = refused(partnerbot("export", "--config", config))
    assert line.startswith("no database at")
    assert sorted(tmp_path.rglob("*")) == before  # no database, no feedback store, no backup, no folder


def test_a_database_without_its_feedback_store_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    make_database(tmp_path / "p.db", GUILD)
    feedback_path(tmp_path / "p.db").unlink()
    line = refused(partnerbot("backup", tmp_path / "copy.db", "--config", config))
    assert "feedback store" in line and "missing" in line
    assert not feedback_path(tmp_path / "p.db").exists() and not (tmp_path / "copy.db").exists()


def test_a_file_that_is_not_the_bots_database_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "p.db").write_text("guild_id: 1\n", encoding="utf-8")
    assert "not a readable database" in refused(partnerbot("export", "--config", config))
    sqlite3.connect(tmp_path / "other.db").close()  # an empty SQLite file
    config = write_config(tmp_path, database=str(tmp_path / "other.db"))
    assert "is not the bot's database" in refused(partnerbot("backup", tmp_path / "copy.db", "--config", config))
    assert not feedback_path(tmp_path / "other.db").exists()


# -- export: the configured server --------------------------------------------------------------


def test_export_for_a_server_the_database_has_no_data_for_is_refused(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", 42)
    line = refused(partnerbot("export", "--config", write_config(tmp_path)))
    assert f"no data for server {GUILD}, only for 42" in line and "guild_id" in line


def test_export_of_a_database_the_bot_never_ran_with_is_refused(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db")
    line = refused(partnerbot("export", "--config", write_config(tmp_path)))
    assert "no data yet" in line and str(GUILD) in line


def test_export_of_a_server_with_no_leads_yet_is_the_header(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)  # the bot has run there; nobody logged a lead
    out = tmp_path / "leads.csv"
    result = partnerbot("export", "--out", out, "--config", write_config(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "wrote 0 leads" in result.stdout and out.read_bytes().startswith(HEADER)


def test_export_to_a_folder_or_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)
    config = write_config(tmp_path)
    assert "is a folder" in refused(partnerbot("export", "--out", tmp_path, "--config", config))
    missing = tmp_path / "nowhere" / "leads.csv"
    assert "does not exist" in refused(partnerbot("export", "--out", missing, "--config", config))
    assert not (tmp_path / "nowhere").exists() and not list(tmp_path.glob("*.part"))


# -- backup: where the copy goes ------------------------------------------------------------------


def test_backup_to_a_folder_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)
    config = write_config(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    line = refused(partnerbot("backup", folder, "--config", config))
    assert "is a folder" in line and str(folder / "p.db") in line
    assert not list(folder.iterdir()) and not feedback_path(folder).exists()


def test_backup_into_a_missing_or_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)
    config = write_config(tmp_path)
    line = refused(partnerbot("backup", tmp_path / "nowhere" / "copy.db", "--config", config))
    assert "does not exist" in line and not (tmp_path / "nowhere").exists()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere but in /proc
        if not Path("/proc/self").is_dir():
            pytest.skip("no folder refuses root here")
        locked = Path("/proc")
    target = locked / "partnerbot-test.db"
    line = refused(partnerbot("backup", target, "--config", config))
    assert "cannot write in folder" in line or f"backup to {target} failed" in line
    assert not target.exists() and not feedback_path(target).exists()


def test_backup_over_the_live_database_is_refused(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)
    config = write_config(tmp_path)
    before = (tmp_path / "p.db").read_bytes()
    for target in (tmp_path / "p.db", feedback_path(tmp_path / "p.db")):
        assert "overwrite the live database" in refused(partnerbot("backup", target, "--config", config))
    assert (tmp_path / "p.db").read_bytes() == before


def test_backup_writes_both_files(tmp_path: Path) -> None:
    make_database(tmp_path / "p.db", GUILD)
    result = partnerbot("backup", tmp_path / "copy.db", "--config", write_config(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy.db").exists() and feedback_path(tmp_path / "copy.db").exists()


# -- invite-url -----------------------------------------------------------------------------------


def test_invite_url_refuses_what_is_not_an_application_id() -> None:
    for client_id in ("-5", "0", "12abc", "1e9", str(2**64), " "):
        line = refused(partnerbot("invite-url", "--client-id", client_id))
        assert "is not an application id" in line and "Application ID" in line
    ok = partnerbot("invite-url", "--client-id", "1234567890123456789")
    assert ok.returncode == 0 and "client_id=1234567890123456789" in ok.stdout


# -- check-config -----------------------------------------------------------------------------------


def test_check_config_warns_about_ids_given_twice_then_says_ok(tmp_path: Path) -> None:
    channels = {**EXAMPLE["channels"], "digest": EXAMPLE["channels"]["announcements"]}
    roles = {**EXAMPLE["roles"], "reviewers": EXAMPLE["roles"]["working_group"]}
    result = partnerbot("check-config", "--config", write_config(tmp_path, channels=channels, roles=roles))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok" and len(lines) == 3
    shared, reviewers = lines[:2]
    assert "warning: channels.announcements and channels.digest are the same channel" in shared
    assert "public" in shared and "private" in shared
    assert "warning: roles.reviewers is the working-group role" in reviewers


def test_check_config_without_mistakes_has_no_warnings(tmp_path: Path) -> None:
    result = partnerbot("check-config", "--config", write_config(tmp_path))
    assert result.returncode == 0 and result.stdout == "ok\n"


def test_check_config_reports_config_and_questionnaire_errors_together(tmp_path: Path) -> None:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: broken\nquestions: 5\n", encoding="utf-8")
    raw_roles = {key: value for key, value in EXAMPLE["roles"].items() if key != "reviewers"}
    config = write_config(tmp_path, questionnaires="questionnaires", roles=raw_roles, review={"quorum": 0})
    result = partnerbot("check-config", "--config", config)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "roles.reviewers: required key is missing" in result.stdout
    assert "review.quorum" in result.stdout
    assert str(folder / "broken.yaml") in result.stdout


def test_check_config_names_a_missing_questionnaire_folder_beside_other_errors(tmp_path: Path) -> None:
    config = write_config(tmp_path, questionnaires="nowhere", review={"quorum": 0})
    result = partnerbot("check-config", "--config", config)
    assert result.returncode == 2
    assert "review.quorum" in result.stdout
    assert result.stdout.count(f"questionnaires: folder {tmp_path / 'nowhere'} does not exist") == 1
