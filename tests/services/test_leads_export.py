"""Exports, each parsed back: CSV (BOM, formula injection), JSON (every field and the history), wikitext
(sortable table of the public leads only, markup escaped)."""

from __future__ import annotations

import csv
import html
import io
import json
import secrets
import zipfile
from collections.abc import Callable

import pytest

from bot.db import Database
from bot.errors import InvalidInput
from bot.services import leads
from bot.services.leads import export_formats
from bot.services.leads.export import export_leads
from bot.services.leads.register import edit_lead
from tests.services.test_leads_support import GUILD, NOW, OTHER_GUILD, SETTINGS, WG, add, move
from tests.services.test_wikitext import live_markup

NASTY = "=HYPERLINK(\"http://evil\")|{{Template}} [[Link]] ~~~~ '''bold''' <nowiki>&amp;"


async def sample(db: Database) -> list[leads.Lead]:
    first = await add(
        db,
        "Europeana",
        summary="Open access\nsecond line",
        contact="+44 20 7946 0000",
        link="https://europeana.eu",
        aliases=("EF", "Europeana Foundation"),
        sector="GLAM",
    )
    second = await add(db, "@evil -1+1", summary=NASTY, offer="-2", ask="+cmd", entity="=SUM(A1)")
    third = await add(db, "مكتبة الإسكندرية", summary="北京 राष्ट्रीय")
    await add(db, "Other guild", guild_id=OTHER_GUILD)
    await leads.add_note(db, GUILD, first.id, "Met at the conference", actor_id=WG, now=NOW)
    await move(db, first.id, "assessing", note=None)
    return [first, second, third]


async def test_csv_opens_cleanly_and_neutralises_formulas(db: Database) -> None:
    await sample(db)
    export = await export_leads(db, GUILD, "csv", now=NOW)
    assert export.filename == "leads-2026-01-05.csv" and export.count == 3
    assert export.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["L-1", "L-2", "L-3"]
    first, second, third = rows
    assert first["partner"] == "Europeana" and first["aliases"] == "EF; Europeana Foundation"
    assert first["summary"] == "Open access\nsecond line" and first["status"] == "assessing"
    assert first["contact"] == "'+44 20 7946 0000"
    assert second["partner"] == "'@evil -1+1"
    assert second["summary"] == "'" + NASTY
    assert (second["offer"], second["ask"], second["entity"]) == ("'-2", "'+cmd", "'=SUM(A1)")
    assert third["partner"] == "مكتبة الإسكندرية" and third["summary"] == "北京 राष्ट्रीय"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_csv_cell_escapes_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert leads.export.csv_cell(f"{start}x") == f"'{start}x"
    assert leads.export.csv_cell("L-1") == "L-1"
    assert leads.export.csv_cell(None) == ""


async def test_json_has_every_field_and_the_history(db: Database) -> None:
    await sample(db)
    export = await export_leads(db, GUILD, "json", now=NOW)
    document = json.loads(export.data.decode("utf-8"))
    assert document["guild_id"] == GUILD and len(document["leads"]) == 3
    item = document["leads"][0]
    assert set(item) == {
        "id", "ref", "partner", "aliases", "direction", "level", "sector", "tier", "entity", "summary", "offer",
        "ask", "contact", "link", "visibility", "status", "owner_id", "created_at", "updated_at", "flags",
        "notes", "history",
    }  # fmt: skip
    assert item["aliases"] == ["EF", "Europeana Foundation"] and item["contact"] == "+44 20 7946 0000"
    assert item["notes"][0]["text"] == "Met at the conference"
    assert [(h["kind"], h["to_status"]) for h in item["history"]] == [
        ("created", None),
        ("note", None),
        ("status", "assessing"),
    ]
    assert item["created_at"] == "2026-01-05T08:00:00Z"
    assert document["leads"][1]["summary"] == NASTY  # JSON keeps text exactly


async def publish(db: Database, *lead_list: leads.Lead) -> None:
    for lead in lead_list:
        await edit_lead(db, GUILD, lead.id, "visibility", "public", actor_id=WG, now=NOW, settings=SETTINGS)


async def test_wikitext_is_a_sortable_table_with_markup_escaped(db: Database) -> None:
    await publish(db, *await sample(db))
    export = await export_leads(db, GUILD, "wikitext", now=NOW)
    assert (export.count, export.left_out) == (3, 0)
    text = export.data.decode("utf-8")
    lines = text.strip().split("\n")
    assert lines[0] == '{| class="wikitable sortable"' and lines[-1] == "|}"
    assert lines[1].startswith("! ID !! Partner")
    body = "\n".join(lines[2:-1])
    for forbidden in ("{{", "}}", "[[", "]]", "~~~~", "'''", "<nowiki>"):
        assert forbidden not in body
    rows = [r for r in body.split("|-\n") if r]
    cells = [[html.unescape(c) for c in row.rstrip("\n")[2:].split(" || ")] for row in rows]
    assert len(cells) == 3 and all(len(row) == len(leads.export.WIKI_COLUMNS) for row in cells)
    assert cells[0][:2] == ["L-1", "Europeana"] and cells[0][8] == "Open access second line"
    assert cells[1][8] == NASTY
    assert cells[2][1] == "مكتبة الإسكندرية"
    assert "+44" not in text  # contacts stay inside the working group


async def test_wikitext_leaves_magic_words_magic_links_and_bare_urls_inert(db: Database) -> None:
    summary = (
        "__NOTOC__ See ISBN 978-3-16-148410-0, RFC 1234 and PMID 123 at https://evil.example/x, "
        "//example.org, mailto:someone@example.org or ftp://files.example.org __NOINDEX__"
    )
    lead = await add(
        db, "__HIDDENCAT__ Partner", summary=summary, entity="tel:+15550100", link="https://evil.example/landing"
    )
    await publish(db, lead)
    text = (await export_leads(db, GUILD, "wikitext", now=NOW)).data.decode("utf-8")
    row = text.split("|-\n")[1].split("\n")[0]
    raw = row[2:].split(" || ")
    assert [kind for cell in raw for kind in live_markup(cell)] == []
    cells = [html.unescape(c) for c in raw]
    assert (cells[1], cells[6], cells[8], cells[9]) == (
        "__HIDDENCAT__ Partner", "tel:+15550100", summary, "https://evil.example/landing",
    )  # fmt: skip


async def test_wikitext_holds_public_leads_only_csv_and_json_every_lead(db: Database) -> None:
    first, second, third = await sample(db)
    await publish(db, second)
    wiki = await export_leads(db, GUILD, "wikitext", now=NOW)
    assert (wiki.count, wiki.left_out) == (1, 2)
    text = wiki.data.decode("utf-8")
    assert second.ref in text and "evil" in text
    for hidden in (first, third):
        assert hidden.ref not in text and hidden.partner not in text
    assert "Europeana" not in text and "Open access" not in text
    # The working group's own formats stay complete.
    for fmt in ("csv", "json"):
        full = await export_leads(db, GUILD, fmt, now=NOW)
        assert (full.count, full.left_out) == (3, 0)
        assert "Europeana" in full.data.decode("utf-8-sig")
    # With a status filter, only leads in that status are counted either way.
    assessing = await export_leads(db, GUILD, "wikitext", status="assessing", now=NOW)
    assert (assessing.count, assessing.left_out) == (0, 1)
    assert assessing.data.decode("utf-8").strip().split("\n")[-1] == "|}"


async def test_status_filter_and_refusals(db: Database) -> None:
    await sample(db)
    export = await export_leads(db, GUILD, "json", status="assessing", now=NOW)
    assert export.count == 1 and export.filename == "leads-assessing-2026-01-05.json"
    for fmt, status in (("xml", None), ("csv", "finished")):
        with pytest.raises(InvalidInput):
            await export_leads(db, GUILD, fmt, status=status, now=NOW)


# -- made a page at a time, and for an upload within a limit -----------------------------------------


async def test_json_written_a_lead_at_a_time_is_exactly_json_dumps(db: Database) -> None:
    empty = await export_leads(db, GUILD, "json", now=NOW)
    assert empty.data.decode("utf-8") == json.dumps(json.loads(empty.data), ensure_ascii=False, indent=2)
    await sample(db)
    export = await export_leads(db, GUILD, "json", now=NOW)
    text = export.data.decode("utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2)  # notes, history, other scripts


async def test_pages_and_the_streamed_file_hold_the_same_rows(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await sample(db)
    whole = {fmt: await export_leads(db, GUILD, fmt, now=NOW) for fmt in ("csv", "json")}
    monkeypatch.setattr(leads.export, "PAGE", 1)  # one lead per page
    for fmt, expected in whole.items():
        assert (await export_leads(db, GUILD, fmt, now=NOW)).data == expected.data
        out = io.BytesIO()
        summary = await leads.write_export(db, GUILD, fmt, out, now=NOW)  # what `partnerbot export` streams
        assert out.getvalue() == expected.data and (summary.filename, summary.count) == (expected.filename, 3)


async def many(db: Database, count: int, summary: Callable[[int], str], status: str | None = None) -> list[leads.Lead]:
    made = [await add(db, f"Partner {n}", summary=summary(n)) for n in range(count)]
    if status:
        await move(db, made[0].id, status, note=None)
    return made


async def test_an_upload_over_the_limit_plain_comes_zipped(db: Database) -> None:
    await many(db, 30, lambda n: f"Open access to the collections of partner number {n}. " * 8)
    plain = await export_leads(db, GUILD, "csv", now=NOW)
    limit = len(plain.data) // 2
    export = await export_leads(db, GUILD, "csv", now=NOW, limit=limit)
    assert export.zipped and export.filename == "leads-2026-01-05.csv.zip" and export.count == 30
    assert len(export.data) <= limit
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        assert archive.namelist() == ["leads-2026-01-05.csv"]
        assert archive.read("leads-2026-01-05.csv") == plain.data
    unzipped = await export_leads(db, GUILD, "csv", now=NOW, limit=len(plain.data))
    assert not unzipped.zipped and unzipped.data == plain.data  # a file that fits stays plain


async def test_an_upload_over_the_limit_even_zipped_is_refused_naming_the_statuses_that_fit(db: Database) -> None:
    await many(db, 12, lambda n: secrets.token_hex(400), status="assessing")  # random text: zips to half
    with pytest.raises(leads.ExportTooBig) as refused:
        await export_leads(db, GUILD, "csv", now=NOW, limit=4000)
    error = refused.value
    assert (error.fmt, error.count, error.limit) == ("csv", 12, 4000) and error.estimate > 4000
    assert error.fits == (("assessing", 1),)  # eleven logged leads would not fit either
    assert "12 leads as csv would be about" in str(error)
    with pytest.raises(leads.ExportTooBig) as filtered:
        await export_leads(db, GUILD, "json", status="logged", now=NOW, limit=4000)
    assert filtered.value.count == 11 and filtered.value.fits == ()  # already filtered: nothing narrower


async def test_a_surely_too_big_upload_is_refused_after_its_first_page(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await many(db, 40, lambda n: secrets.token_hex(400))
    monkeypatch.setattr(leads.export, "PAGE", 4)
    made: list[int] = []
    page = export_formats._Csv.page

    def counted(self: export_formats.Format, chunk: export_formats.Page) -> bytes:
        made.append(len(chunk.leads))
        return page(self, chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(export_formats._Csv, "page", counted)
    with pytest.raises(leads.ExportTooBig) as refused:
        await export_leads(db, GUILD, "csv", now=NOW, limit=4000)
    assert made == [4]  # 40 leads projected from the first 4: refused without making the other 36
    assert refused.value.count == 40 and refused.value.estimate > 4000 * leads.export.SURE_TOO_BIG
