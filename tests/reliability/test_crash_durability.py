"""Every commit a writer reported survives SIGKILL at a random moment, and the file stays intact."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.db import feedback_path

KILLS = int(os.environ.get("PARTNERBOT_CRASH_KILLS", "20"))
WRITER = Path(__file__).with_name("crash_writer.py")
REPO = Path(__file__).resolve().parents[2]


def _run_and_kill(db_path: Path, seed: int, rng: random.Random, *extra: str) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(db_path), str(seed), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    first = child.stdout.readline()  # wait until it is writing, then let it run a random while
    assert first, child.stderr.read() if child.stderr else "writer did not start"
    time.sleep(rng.uniform(0.0, 0.4))
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return [first.strip(), *[line for line in rest.splitlines() if line.strip()]]


def test_reported_commits_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(2026)
    db_path = tmp_path / "crash.db"
    reported: list[str] = []
    for kill in range(KILLS):
        reported += _run_and_kill(db_path, kill, rng)
        conn = sqlite3.connect(db_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            for line in reported:
                kind, *ids = line.split()
                if kind == "lead":
                    found = conn.execute("SELECT 1 FROM leads WHERE id = ?", (int(ids[0]),)).fetchone()
                elif kind == "answer":
                    found = conn.execute(
                        "SELECT 1 FROM checklist_answers WHERE run_id = ? AND question_id = ?", (int(ids[0]), ids[1])
                    ).fetchone()
                else:
                    with sqlite3.connect(feedback_path(db_path)) as store:
                        found = store.execute("SELECT 1 FROM feedback_items WHERE id = ?", (int(ids[0]),)).fetchone()
                assert found is not None, f"after kill {kill + 1}: reported {line!r} is missing"
        finally:
            conn.close()
    assert sum(line.startswith("lead") for line in reported) >= KILLS


def test_group_committed_writes_survive_sigkill(tmp_path: Path) -> None:
    """Twenty writers at a time share commits (bot/db's group commit); every one told "saved" before
    the kill is in the database afterwards."""
    rng = random.Random(2027)
    db_path = tmp_path / "crash-at-once.db"
    reported: list[str] = []
    for kill in range(max(1, KILLS // 2)):
        reported += _run_and_kill(db_path, kill, rng, "20")
        conn = sqlite3.connect(feedback_path(db_path))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = {row[0] for row in conn.execute("SELECT id FROM feedback_items")}
        finally:
            conn.close()
        missing = [line for line in reported if int(line.split()[1]) not in stored]
        assert not missing, f"after kill {kill + 1}: reported but missing: {missing[:5]}"
    assert len(reported) >= KILLS
