"""`partnerbot sandbox`: the guided tour in examples/tour.txt plays the whole mission through, a bad line
gets a one-line hint and never a traceback, and `--database` keeps the server's state between runs."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db import feedback_path
from bot.sandbox import HELP, run_script

REPO = Path(__file__).resolve().parents[1]
TOUR = REPO / "examples" / "tour.txt"
CODE = re.compile(r"`([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})`")
PROMPT = re.compile(r"^(\w+)> (.*)$")


@dataclass
class Step:
    user: str
    line: str
    output: str


def steps(transcript: str) -> list[Step]:
    """The transcript cut into one step per command: who typed it, what, and everything printed after."""
    found: list[Step] = []
    for line in transcript.splitlines():
        prompt = PROMPT.match(line)
        if prompt is not None:
            found.append(Step(prompt.group(1), prompt.group(2), ""))
        elif found:
            found[-1].output += line + "\n"
    return found


def step(all_steps: list[Step], line: str, nth: int = 1) -> Step:
    matching = [s for s in all_steps if s.line == line]
    assert len(matching) >= nth, f"{line!r} was not run {nth} time(s)"
    return matching[nth - 1]


@dataclass
class Tour:
    transcript: str
    steps: list[Step]
    database: Path

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        path = feedback_path(self.database) if "feedback_" in sql else self.database
        with sqlite3.connect(path) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tour]:
    """The tour, run once in-process on a kept database, for every test below to read."""
    root = tmp_path_factory.mktemp("tour")
    database = root / "tour.db"
    lines = TOUR.read_text(encoding="utf-8").splitlines()
    transcript = asyncio.run(run_script(lines, workdir=root / "work", database=database))
    yield Tour(transcript, steps(transcript), database)


def test_the_tour_is_short_commented_and_runs_without_a_hint(tour: Tour) -> None:
    lines = TOUR.read_text(encoding="utf-8").splitlines()
    assert 40 <= len(lines) <= 75
    assert sum(line.startswith("#") for line in lines) >= 8
    commands = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(tour.steps) == len(commands)
    hints = [f"{s.user}> {s.line}: {s.output}" for s in tour.steps if s.output.startswith("! ")]
    assert hints == []
    assert "Traceback" not in tour.transcript
    # Mentions and timestamps read as a Discord client shows them, not as markup.
    assert not re.search(r"<@!?&?\d+>|<#\d+>|<t:\d+", tour.transcript)
    assert "@dave" in tour.transcript and "@carol" in tour.transcript


def test_both_leads_are_logged_and_the_second_is_caught_as_a_likely_duplicate(tour: Tour) -> None:
    first = step(tour.steps, 'modal summary:"Cultural heritage from European archives on Commons" '
                 'offer:"Editathons, training" ask:"Open images"')  # fmt: skip
    assert first.user == "dave"
    assert "Logged L-1: Europeana." in first.output
    assert "── #leads\n┌─ L-1 · Europeana" in first.output

    duplicate = next(s for s in tour.steps if 'partner:"Europeana Foundation"' in s.line)
    assert "This may already be logged" in duplicate.output
    assert "**L-1** · Europeana" in duplicate.output
    # dave is a member: notes are the working group's, so he may log it anyway or cancel.
    assert "[Log anyway] [Cancel]" in duplicate.output
    assert "Logged L-2: Europeana Foundation." in step(tour.steps, 'click "Log anyway"').output

    owners = tour.rows("SELECT l.id, l.partner FROM leads l ORDER BY l.id")
    assert owners == [(1, "Europeana"), (2, "Europeana Foundation")]


def test_the_checklist_is_answered_to_the_end_and_opens_the_review(tour: Tour) -> None:
    start = step(tour.steps, "/checklist start lead:L-1")
    assert "#checklists › Assessment · L-1 · Europeana" in start.output
    assert "Question 1 of 21 · Fit" in start.output
    last = next(s for s in tour.steps if s.line.startswith('modal answer:"Files uploaded'))
    assert "Assessment complete: Partnership assessment" in last.output
    assert "19 answered, 2 skipped" in last.output
    assert "No flags raised." in last.output
    assert "┌─ Review: L-1 · Europeana" in last.output
    assert "Approvals: 0 of 2 needed" in last.output

    runs = tour.rows("SELECT lead_id, status, position FROM checklist_runs")
    assert runs == [(1, "completed", 21)]
    answers = tour.rows("SELECT count(*) FROM checklist_answers")
    assert answers[0][0] == 21


def test_two_reviewers_approve_after_the_window_and_another_lead_is_vetoed_with_a_rationale(tour: Tour) -> None:
    veto = next(s for s in tour.steps if s.line.startswith("modal rationale:"))
    assert veto.user == "carol"
    assert "You vetoed L-2." in veto.output

    assert "(it is now Thu, Jan 8, 2026, 8:00\u202fAM UTC)" in step(tour.steps, "wait 72h").output
    carol = step(tour.steps, 'click "Approve"', 1)
    erin = step(tour.steps, 'click "Approve"', 2)
    assert (carol.user, erin.user) == ("carol", "erin")
    assert "(1 of 2 needed)" in carol.output
    assert "(2 of 2 needed)" in erin.output and "L-1 is approved" in erin.output

    assert tour.rows("SELECT id, status FROM leads ORDER BY id") == [(1, "approved"), (2, "vetoed")]
    votes = tour.rows(
        "SELECT r.lead_id, v.vote, v.rationale FROM review_votes v JOIN lead_reviews r ON r.id = v.review_id "
        "ORDER BY r.lead_id, v.at"
    )
    assert [(lead, vote) for lead, vote, _ in votes] == [(1, "approve"), (1, "approve"), (2, "veto")]
    assert votes[2][2] == "Same partner as L-1: one partnership with Europeana is enough."
    outcomes = tour.rows("SELECT lead_id, outcome FROM lead_reviews ORDER BY lead_id")
    assert outcomes == [(1, "approved"), (2, "vetoed")]


def test_an_update_is_posted_with_its_discussion_thread(tour: Tour) -> None:
    posted = next(s for s in tour.steps if s.line.startswith('modal title:"Europeana partnership approved"'))
    assert "── #announcements\n┌─ Europeana partnership approved" in posted.output
    assert "#announcements › Europeana partnership approved" in posted.output
    assert tour.rows("SELECT title FROM updates") == [("Europeana partnership approved",)]


def test_three_members_send_anonymous_feedback_and_each_gets_a_code(tour: Tour) -> None:
    sends = [s for s in tour.steps if s.line == 'click "Send anonymously"']
    assert [s.user for s in sends] == ["dave", "bob", "erin"]
    codes = set()
    for send in sends:
        assert "┌─ Sent anonymously" in send.output
        found = CODE.findall(send.output)
        assert found, send.output
        codes.add(found[0])
    assert len(codes) == 3
    topics = tour.rows("SELECT topic FROM feedback_items ORDER BY topic")
    assert topics == [("general",), ("partnership",), ("process",)]


def test_the_digest_reports_the_week(tour: Tour) -> None:
    # A digest that goes out during a wait is shown at the time it was posted.
    first = step(tour.steps, "wait 72h").output
    assert first.startswith("(Mon, Jan 5, 2026, 9:00\u202fAM UTC)\n── #digest\n**Partnerships digest**")
    assert "(in 3 days)" in first
    assert first.rstrip().endswith("(it is now Thu, Jan 8, 2026, 8:00\u202fAM UTC)")
    shown = step(tour.steps, "show #digest").output
    digests = shown.count("**Partnerships digest**")
    assert digests == 2
    for section in (
        "New leads (2)",
        "Status changes",
        "Reviews open (1)",
        "Checklists completed (1)",
        "Updates posted (1)",
        "Anonymous feedback",
    ):
        assert f"┌─ {section}" in shown, section
    assert "Rationale: Same partner as L-1: one partnership with Europeana is enough." in shown
    assert re.search(r"\*\*L-1\*\* Europeana: .+ → .+ by the bot \(review rules\)", shown)  # the approval
    assert "More local partnerships, please." in shown
    delivered = tour.rows("SELECT count(*) FROM digest_runs WHERE status = 'delivered'")
    assert delivered[0][0] == 2


# -- bad lines ---------------------------------------------------------------------------------------
BAD_LINES = [
    ("frobnicate", "unknown command 'frobnicate'"),
    ('/lead add partner:"X" level:global direction:external colour:blue', "has no option 'colour'"),
    ("/lead frob", "has no subcommand 'frob'"),
    ("/lead add level:global", "/lead add also needs partner and direction, like: /lead add partner:… level:global"),
    ('/lead add partner:"unterminated', "could not read that line: a quotation mark is not closed."),
    ('click "Approve"', "no button 'Approve' in sight for alice"),
    ('click 2 "Next"', "no button 'Next' in sight"),
    ('click 0 "Next"', "say which button"),
    ("click", "say which button"),
    ('select "Topic" partnership', "no menu 'Topic' in sight"),
    ('modal summary:"x"', "no modal is open"),
    ("wait forever", "say how long"),
    ("wait 7", "say how long"),
    ("wait 400d", "wait at most 366d"),
    ("as nobody", "no user named 'nobody'"),
    ("as", "say who"),
    ("show #nowhere", "no channel or thread named 'nowhere'"),
    ("show thread nothing", "no thread named 'nothing'"),
    ("show", "say what"),
    ("dm", "say what to write"),
    ("locale klingon", "'klingon' is not a Discord language"),
]


async def test_a_bad_line_gets_a_one_line_hint_and_the_session_goes_on(tmp_path: Path) -> None:
    lines = [line for line, _ in BAD_LINES] + ["whoami"]
    transcript = await run_script(lines, workdir=tmp_path)
    assert "Traceback" not in transcript
    ran = steps(transcript)
    assert [s.line for s in ran] == lines
    for (line, hint), answer in zip(BAD_LINES, ran, strict=False):
        printed = answer.output.strip().splitlines()
        assert len(printed) == 1 and printed[0].startswith("! "), (line, answer.output)
        assert hint in printed[0], (line, printed[0])
    assert ran[-1].output.strip() == "alice (en-US)"


async def test_a_modal_field_that_does_not_exist_is_named_and_the_modal_stays_open(tmp_path: Path) -> None:
    transcript = await run_script(
        [
            '/lead add partner:"Europeana" level:global direction:external',
            'modal colour:"blue"',
            'modal summary:"Open images"',
        ],
        workdir=tmp_path,
    )
    ran = steps(transcript)
    assert ran[1].output.startswith("! modal 'New lead: Europeana' has no field 'colour'")
    assert "Logged L-1: Europeana." in ran[2].output


async def test_a_refusal_answered_after_a_deferral_is_shown_to_its_member(tmp_path: Path) -> None:
    transcript = await run_script(["/checklist start lead:L-99"], workdir=tmp_path)
    assert "── #general (private)\nThere is no lead L-99" in transcript


async def test_a_lone_number_is_a_button_label_and_quotes_are_optional(tmp_path: Path) -> None:
    transcript = await run_script(
        [
            '/lead add partner:"Europeana" level:global direction:external summary:"Open images"',
            "/checklist start lead:L-1",
            'click "Yes"',
            "select Choose external",
            "click 3",
            "dm Hello there",
            "click Send anonymously",
        ],
        workdir=tmp_path,
    )
    assert "! " not in transcript
    assert "3/5 · answered by @alice" in transcript
    assert "┌─ Sent anonymously" in transcript  # quotes around a label are optional


# -- the command line --------------------------------------------------------------------------------
def sandbox(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


def test_database_keeps_leads_owners_and_time_between_runs(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    first = tmp_path / "first.txt"
    first.write_text(
        'as dave\n/lead add partner:"Europeana" level:global direction:external summary:"Open images"\nwait 2d\n',
        encoding="utf-8",
    )
    second = tmp_path / "second.txt"
    second.write_text(
        "/lead show lead:L-1\n"
        'as dave\n/lead add partner:"Europeana" level:global direction:external summary:"Open images"\n'
        'click "Log anyway"\nwait 1h\n',
        encoding="utf-8",
    )
    one = sandbox("--script", str(first), "--database", str(database))
    assert one.returncode == 0, one.stderr
    assert "Logged L-1: Europeana." in one.stdout
    two = sandbox("--script", str(second), "--database", str(database))
    assert two.returncode == 0, two.stderr
    assert (
        "(resuming the sandbox kept in" in two.stdout and "it is now Wed, Jan 7, 2026, 8:00\u202fAM UTC" in two.stdout
    )
    ran = steps(two.stdout)
    assert "┌─ L-1 · Europeana" in ran[0].output and "logged by @dave" in ran[0].output
    assert "**L-1** · Europeana" in ran[2].output  # the kept lead is found as a likely duplicate
    assert "Logged L-2: Europeana." in ran[3].output
    assert "(it is now Wed, Jan 7, 2026, 9:00\u202fAM UTC)" in ran[4].output
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(DISTINCT owner_id), count(*) FROM leads").fetchone() == (1, 2)


def test_the_prompt_ends_quietly_at_end_of_input_and_a_missing_script_is_one_line() -> None:
    interactive = sandbox()
    assert interactive.returncode == 0, interactive.stderr
    assert "Type `help`" in interactive.stdout and interactive.stderr == ""
    missing = sandbox("--script", "no/such/tour.txt")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == ["cannot read no/such/tour.txt: No such file or directory"]


def test_the_readme_shows_the_commands_the_sandbox_knows() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"^\| `([^`]+)`", quick_start, re.M)
    assert len(shown) >= 8
    for example in shown:
        word = example.split()[0]
        assert word.startswith("/") or re.search(rf"^  {re.escape(word)}\b", HELP, re.M), word
