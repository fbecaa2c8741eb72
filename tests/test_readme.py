"""The README's examples are real: its questionnaire example validates, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from bot.services.questionnaires import parse_questionnaire

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_questionnaire_example_validates() -> None:
    section = README.split("## Questionnaires", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    questionnaire, problems = parse_questionnaire(block.group(1), "README.md")
    assert problems == []
    assert questionnaire is not None and [q.type for q in questionnaire.questions] == ["yesno", "choice", "scale"]


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    commands = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert commands is not None
    install, test = commands.group(1).strip().splitlines()[:2]
    assert "partnerbot sandbox --script examples/tour.txt" in install
    test_command = test.split("&&")[-1].strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
