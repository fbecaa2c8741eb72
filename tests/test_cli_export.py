"""`partnerbot export` reads the configured database and writes each format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.config import LeadsSettings
from bot.db import open_database
from bot.services import leads
from bot.services.leads.service import log_lead

REPO = Path(__file__).resolve().parents[1]


async def test_export_cli_writes_csv_json_and_wikitext(tmp_path: Path) -> None:
    raw = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    raw["database"] = str(tmp_path / "p.db")
    raw["questionnaires"] = str(REPO / "data" / "questionnaires")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    db = await open_database(tmp_path / "p.db")
    now = datetime(2026, 2, 1, tzinfo=UTC)
    for name in ("Europeana", "=HYPERLINK(evil)", "مكتبة الإسكندرية"):
        draft = leads.LeadDraft(partner=name, level="global", direction="external")
        await log_lead(
            db, raw["guild_id"], draft, owner_id=1, now=now, settings=LeadsSettings(), check_duplicates=False
        )
    await db.close()

    def export(fmt: str) -> bytes:
        out = tmp_path / f"out.{fmt}"
        result = subprocess.run(
            [sys.executable, "-m", "bot", "export", "--format", fmt, "--out", str(out), "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        if fmt == "wikitext":  # for publishing: public leads only
            assert "wrote 0 leads" in result.stdout and "3 working-group-only leads left out" in result.stdout
        else:
            assert "wrote 3 leads" in result.stdout
        return out.read_bytes()

    data = export("csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    partners = [row["partner"] for row in rows]
    assert "Europeana" in partners and "مكتبة الإسكندرية" in partners
    assert not any(p.startswith("=") for p in partners)
    exported = json.loads(export("json"))
    assert len(exported if isinstance(exported, list) else exported["leads"]) == 3
    assert export("wikitext").decode("utf-8").startswith('{| class="wikitable sortable"')
