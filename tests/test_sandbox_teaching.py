"""`partnerbot sandbox` teaches as it goes (issue 15): a group lists its subcommands, `help` reads the bot's
command tree and a near miss is named, lines run in threads and DMs, a kept database keeps the server's
messages, long lines survive the terminal, links and files show as a client shows them, hard lines flag,
and relative times are worded as their reader reads them."""

from __future__ import annotations

import fcntl
import os
import re
import select
import subprocess
import sys
import termios
from pathlib import Path

import discord
import pytest
import yaml

from bot.cogs.about._cog import visible_commands
from bot.sandbox import TTY_LINE_LIMIT, cut_by_terminal, run_script
from bot.sandbox._kept import kept_path
from bot.sandbox._render import file_size
from bot.services.access import Access
from bot.sim import Sim, SimError
from tests.test_sandbox import REPO, Step, steps

LEAD = '/lead add partner:"Europeana" level:global direction:external summary:"Open images"'


async def run(lines: list[str], tmp_path: Path, **kwargs: object) -> list[Step]:
    transcript = await run_script(lines, workdir=tmp_path / "work", **kwargs)  # type: ignore[arg-type]
    assert "Traceback" not in transcript
    ran = steps(transcript)
    assert [s.line for s in ran] == [line for line in lines if line.strip() and not line.startswith("#")]
    return ran


def hint(answer: Step) -> str:
    """The one line a refused command prints."""
    printed = answer.output.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("! "), answer
    return printed[0]


# -- 1. a group on its own ---------------------------------------------------------------------------
async def test_a_group_on_its_own_lists_its_subcommands_as_discords_picker_does(tmp_path: Path, sim: Sim) -> None:
    lead, checklist = await run(["/lead", "/checklist"], tmp_path)
    for answer, group in ((lead, "lead"), (checklist, "checklist")):
        assert "something went wrong" not in answer.output
        assert answer.output.startswith(f"/{group} is a group; pick one of its commands")
        listed = re.findall(rf"^  (/{group} \w+)", answer.output, re.M)
        everything = visible_commands(sim.bot.tree, Access.REVIEWER, sim_guild(sim))
        in_tree = [p for p in everything if p.startswith(f"/{group} ")]
        assert sorted(listed) == sorted(in_tree)
    assert "  /lead add partner:… level:… direction:… [sector:…]" in lead.output
    # The simulated Discord refuses it too, as a client cannot send it.
    with pytest.raises(SimError, match="/lead needs a subcommand: one of add, show"):
        await sim.slash("lead")


def sim_guild(sim: Sim) -> discord.Object:
    return discord.Object(sim.guild_id)


# -- 2. help and near misses -------------------------------------------------------------------------
async def test_help_lists_every_command_of_the_bots_tree_with_its_options(tmp_path: Path, sim: Sim) -> None:
    listing, detail, group, word = await run(["help", "help /lead add", "help feedback", "help click"], tmp_path)
    for path in visible_commands(sim.bot.tree, Access.REVIEWER, sim_guild(sim)):
        assert re.search(rf"^  {re.escape(path)}( |$)", listing.output, re.M), path
    # Required options bare, optional ones in brackets, who a command is for, where it also works.
    assert "  /lead add partner:… level:… direction:… [sector:…] [tier:…] [entity:…] [summary:…]" in listing.output
    assert re.search(r"^  /update list \[limit:…\] +Show the latest", listing.output, re.M)
    assert re.search(r"^  /lead note lead:… text:… +Add a note to a lead \(working group\)$", listing.output, re.M)
    assert re.search(r"^  /feedback retract code:… .*; also in a DM$", listing.output, re.M)
    # The sandbox's own words follow, `in` among them.
    assert re.search(r"^  in thread L-1 /checklist status", listing.output, re.M)

    assert detail.output.startswith("/lead add: Log a possible partnership")
    assert re.search(r"^  level: +required +Where .*; one of global, regional, national or local$", detail.output, re.M)
    assert re.search(r"^  sector: +optional .*suggests values as you type", detail.output, re.M)
    assert "for example: /lead add partner:… level:global direction:external" in detail.output
    assert group.output.startswith("/feedback is a group")
    assert word.output.strip().startswith('click "Send anonymously"')


NEAR_MISSES = [
    (
        "/lead ad",
        "! /lead has no subcommand 'ad'; it has add, show, list, search, move, note, assign, edit and export.",
    ),
    ("/lead ad", "Did you mean /lead add?"),
    ("/led add", "! There is no /led command. Did you mean /lead? Type `help` for the list."),
    ("/lead add level:global", "! /lead add also needs partner and direction, like: /lead add partner:… level:global"),
    ('/lead add partner:"X" level:globl direction:external', "Did you mean level:global?"),
    ('/lead add partner:"X" level:global direction:external summry:"y"', "Did you mean summary:?"),
    ("/lead add partner:Europeana Foundation level:global", "'Foundation' is not an option"),
    ("/update list limit:30", "! limit: in /update list takes a whole number from 1 to 25 (you gave 30)."),
    ("/lead list mine:maybe", "! mine: takes true or false"),
    ("clik Yes", "! unknown command 'clik'. Did you mean click?"),
    ("lead add", "! slash commands start with a /: /lead add"),
    ("help /lead shwo", "Did you mean /lead show?"),
    ("as dav", "! no user named 'dav'; the members are alice, bob, carol, dave and erin. Did you mean dave?"),
    ("show #lead", "! no channel or thread named 'lead'. Did you mean #leads?"),
    ('/lead add partner:"unterminated', "! could not read that line: a quotation mark is not closed."),
]


async def test_a_refusal_is_a_sentence_and_names_the_nearest_command(tmp_path: Path) -> None:
    ran = await run([line for line, _ in NEAR_MISSES], tmp_path)
    for (line, expected), answer in zip(NEAR_MISSES, ran, strict=True):
        printed = hint(answer)
        assert expected in printed, (line, printed)
        assert "['" not in printed and "[]" not in printed, printed  # no Python lists


# -- 3. a line in a place ----------------------------------------------------------------------------
async def test_a_line_runs_in_a_thread_or_a_dm(tmp_path: Path) -> None:
    ran = await run(
        [
            LEAD,
            "/checklist start lead:L-1",
            "/checklist status",
            "in thread L-1 /checklist status",
            'in thread "Assessment · L-1" click "Yes"',
            "in dm /feedback retract code:AAAA-BBBB-CCCC-DDDD",
            "in dm /lead list",
            "in thread L-9 /checklist status",
            "in #leads whoami",
            "as dave",
            "in #leads /lead list",
            "in thread L-1 /checklist status",
        ],
        tmp_path,
    )
    by_line = {s.line: s for s in ran[:9]}
    assert "Use this inside a checklist thread." in by_line["/checklist status"].output  # #general is not one
    status = by_line["in thread L-1 /checklist status"].output
    assert status.startswith("── #checklists › Assessment · L-1 · Europeana (private)")
    assert "In progress: question 1 of 21" in status
    clicked = by_line['in thread "Assessment · L-1" click "Yes"'].output
    assert "Question 2 of 21" in clicked and "Answer: Yes · answered by @alice" in clicked
    retract = by_line["in dm /feedback retract code:AAAA-BBBB-CCCC-DDDD"].output
    assert retract.startswith("── DM with alice (private)\nNo feedback matches that code.")
    assert hint(by_line["in dm /lead list"]) == (
        "! /lead list cannot be used in a DM; there you can use /about and /feedback."
    )
    assert hint(by_line["in thread L-9 /checklist status"]) == (
        "! L-9 has no checklist thread yet; start one with /checklist start lead:L-9."
    )
    assert "`in` runs a slash command, a click or a select there" in hint(by_line["in #leads whoami"])
    # dave is a member: the working group's channels and their threads are not his to be in.
    assert hint(ran[10]) == "! dave cannot see #leads, so cannot run anything there."
    assert hint(ran[11]).startswith("! dave cannot see #checklists › Assessment · L-1 · Europeana")


# -- 4. a kept database keeps the messages -----------------------------------------------------------
async def test_a_kept_database_keeps_the_servers_messages_and_a_card_can_be_pressed(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    first = await run_script(
        [
            LEAD,
            "/lead move lead:L-1 status:assessing",
            "/lead move lead:L-1 status:in_review",
            "/update post",
            'modal title:"Hello" body:"World"',
        ],
        workdir=tmp_path / "one",
        database=database,
    )
    assert first.startswith(f"(keeping this sandbox: the bot's records in {database}, the server's messages in ")
    assert kept_path(database) == tmp_path / "kept.sandbox.json" and kept_path(database).exists()

    lines = ["show #leads", "show #general", "as carol", 'click "Approve"', "show thread Hello"]
    second = await run_script(lines, workdir=tmp_path / "two", database=database)
    assert re.match(
        r"\(resuming the sandbox kept in .*: it is now .*; 4 messages in 3 channels, threads and DM", second
    )
    leads, general, _, approve, thread = steps(second)
    assert "┌─ L-1 · Europeana" in leads.output and "┌─ Review: L-1 · Europeana" in leads.output
    assert "[Approve] [Veto] [Recuse]" in leads.output
    assert general.output.strip() == "(nothing in #general)"  # replies only its member saw are not kept
    assert "Your approval of L-1 is recorded (1 of 2 needed)." in approve.output  # the old card still works
    assert "Questions or thoughts about this update?" in thread.output

    # Without the messages file, the start says plainly what was not kept.
    kept_path(database).unlink()
    third = await run_script(["show #leads"], workdir=tmp_path / "three", database=database)
    assert "The server's messages were not kept (no readable kept.sandbox.json beside it)" in third
    assert "(nothing in #leads)" in third

    # A messages file beside a database that is not there (deleted since) belongs to no run: not restored.
    other = tmp_path / "other.db"
    kept_path(other).write_text(kept_path(database).read_text(encoding="utf-8"), encoding="utf-8")
    fourth = await run_script(["show #leads"], workdir=tmp_path / "four", database=other)
    assert fourth.startswith("(keeping this sandbox") and "(nothing in #leads)" in fourth


# -- 5. long lines -----------------------------------------------------------------------------------
async def test_a_line_longer_than_a_terminal_line_runs_whole_from_a_script(tmp_path: Path) -> None:
    body = "Two editathons. " * 249 + "END"
    line = f'modal title:"{"T" * 150}" body:"{body}" link:"https://example.org/{"x" * 100}"'
    assert len(line) > TTY_LINE_LIMIT
    _, posted = await run(["/update post", line], tmp_path)
    assert "END\n│ ▸ Posted by: @alice" in posted.output


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_a_line_the_terminal_cut_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal())
    cut = "x" * TTY_LINE_LIMIT
    assert "the rest of it was lost and it was not run" in (cut_by_terminal(cut, line_editing=False) or "")
    assert cut_by_terminal("é" * 2048, line_editing=False) is not None  # the limit counts bytes
    assert cut_by_terminal(cut[:-1], line_editing=False) is None
    assert cut_by_terminal(cut * 2, line_editing=True) is None  # readline reads key by key: no limit


def _at_the_prompt(code: str, line: str, expect: str) -> str:
    """Run the sandbox's prompt on a terminal (a pseudo-terminal it controls), type ``line``, wait for
    ``expect`` and the next prompt, type quit; what the terminal showed."""
    main, other = os.openpty()

    def control_the_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=other, stdout=other, stderr=other, cwd=REPO,
        preexec_fn=control_the_terminal,
    )  # fmt: skip
    os.close(other)
    shown = b""

    def read_until(pattern: bytes) -> None:
        nonlocal shown
        while not re.search(pattern, shown, re.S):
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, shown[-500:]
            shown += os.read(main, 65536)

    try:
        read_until(b"alice> ")
        pending = line.encode() + b"\r"
        while pending:  # the echo must be read while writing, or both ends wait for each other
            readable, writable, _ = select.select([main], [main], [], 60)
            if readable:
                shown += os.read(main, 65536)
            if writable:
                pending = pending[os.write(main, pending[:512]) :]
        read_until(re.escape(expect.encode()) + b".*alice> ")
        os.write(main, b"quit\r")
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        os.close(main)
    return shown.decode(errors="replace")


PROMPT = "from bot.cli import main; main(['sandbox'])"
LONG = "locale " + "a" * 5000 + "ZZ"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_at_the_prompt_readline_reads_a_line_past_the_terminals_limit() -> None:
    pytest.importorskip("readline")
    shown = _at_the_prompt(PROMPT, LONG, "is not a Discord language")
    assert "aZZ' is not a Discord language" in shown  # all 5,009 characters arrived


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_at_the_prompt_without_readline_a_cut_line_is_named_not_run() -> None:
    shown = _at_the_prompt("import sys; sys.modules['readline'] = None\n" + PROMPT, LONG, "bytes long")
    assert "! that line is 4,095 bytes long, the most this terminal passes on" in shown
    assert "is not a Discord language" not in shown and "No closing quotation" not in shown


# -- 6. links, files and hard lines ------------------------------------------------------------------
async def test_links_files_and_hard_lines_show_as_a_client_shows_them(tmp_path: Path) -> None:
    ran = await run(
        [
            '/lead add partner:"Acme Weapons" level:global direction:external summary:"Arms dealer"',
            "/lead export format:csv",
            "/update post",
            'modal title:"Europeana *pilot*" body:"Two editathons" link:"https://example.org/europeana"',
            "/update list",
        ],
        tmp_path,
    )
    added, export, _, posted, listed = ran
    example = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    weapons = next(line for line in example["leads"]["hard_lines"] if line["name"] == "weapons")
    assert f"▸ Flags: ⚠ high: {weapons['message']}" in added.output  # the example config's hard lines
    assert re.search(r"^📎 leads-2026-01-05\.csv \(\d+ bytes\)$", export.output, re.M)
    # The update's link is its title's; its footer carries the embed's time, as a client shows them.
    assert "┌─ Europeana *pilot* (https://example.org/europeana)" in posted.output
    assert "│ — Working-group update 1 · Mon, Jan 5, 2026, 8:00\u202fAM UTC" in posted.output
    # A link to a message reads as where it leads; the title's markdown escapes are not shown.
    assert "│ Europeana *pilot* (#announcements › message) · general · now" in listed.output
    assert "discord.com/channels" not in listed.output and "\\*" not in listed.output


def test_a_files_size_reads_as_a_client_labels_it() -> None:
    assert [file_size(n) for n in (1, 288, 12_700, 3_300_000)] == ["1 byte", "288 bytes", "12.4 KB", "3.1 MB"]


# -- 7. relative times -------------------------------------------------------------------------------
async def test_relative_times_are_worded_against_the_readers_now_and_show_dates_each_message(tmp_path: Path) -> None:
    _, sent, waited, shown = await run([LEAD, "/digest send", "wait 2d", "show #digest"], tmp_path)
    # Read as it is posted: the lead was logged just now.
    assert "── #digest\n**Partnerships digest** (sent on request)" in sent.output
    assert "· logged now" in sent.output
    # The scheduled digest an hour later is printed as read when it went out.
    assert waited.output.startswith("(Mon, Jan 5, 2026, 9:00\u202fAM UTC)\n── #digest")
    # Two days on, a member scrolling back reads the same digest against their own clock, as Discord words
    # <t:…:R>; each message says when it was posted, so both times are in sight.
    assert shown.output.startswith("(#digest as of Wed, Jan 7, 2026, 8:00\u202fAM UTC: 2 messages)\n")
    assert "── #digest · Mon, Jan 5, 2026, 8:00\u202fAM UTC\n**Partnerships digest** (sent on request)" in shown.output
    assert "── #digest · Mon, Jan 5, 2026, 9:00\u202fAM UTC\n" in shown.output
    assert "· logged 2 days ago" in shown.output and "· logged now" not in shown.output
