"""Config: the example validates; every kind of bad config yields one clear line naming the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings, parse_settings
from bot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "config.example.yaml"


def _example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _problems(tmp_path: Path, raw: dict | str) -> list[str]:
    (tmp_path / "data" / "questionnaires").mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def test_example_validates_and_resolves_paths() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.guild_id == 100000000000000001
    assert settings.database == (REPO / "data" / "partnerships.db").resolve()
    assert settings.questionnaires.is_dir()
    assert settings.review.quorum == 2 and settings.digest.catch_up == "latest_once"


def test_settings_are_frozen() -> None:
    settings = load_settings(EXAMPLE)
    with pytest.raises(ValueError):
        settings.guild_id = 1  # type: ignore[misc]


def laughs(depth: int) -> str:
    """Nested aliases: each level repeats the one before nine times (a 'billion laughs' file)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, depth + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nguild_id: *a{depth}\n"


def test_yaml_aliases_are_refused_at_once_with_a_short_message(tmp_path: Path) -> None:
    problems = _problems(tmp_path, laughs(9))  # expanded, 387 million strings
    assert len(problems) == 1 and "aliases (*a0) are not accepted" in problems[0] and "line 2" in problems[0]
    assert len(problems[0]) < 300


def test_a_long_wrong_value_is_quoted_short(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "guild_id: " + "9" * 5000 + "x\n")
    assert problems and all(len(p) < 400 for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "guild_id: 1\nroles: [unclosed\n")
    assert len(problems) == 1
    assert "config.yaml" in problems[0] and "line 3" in problems[0] and "YAML syntax error" in problems[0]


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    raw = _example()
    raw["digest"]["schedul"] = raw["digest"].pop("schedule")
    (problem,) = _problems(tmp_path, raw)
    assert problem.endswith("digest.schedul: unknown key; did you mean 'digest.schedule'?")


def test_wrong_type(tmp_path: Path) -> None:
    raw = _example()
    raw["review"]["quorum"] = "two"
    (problem,) = _problems(tmp_path, raw)
    assert "review.quorum" in problem and "integer" in problem and "'two'" in problem


def test_missing_required_id(tmp_path: Path) -> None:
    raw = _example()
    del raw["roles"]["working_group"]
    (problem,) = _problems(tmp_path, raw)
    assert problem.endswith("roles.working_group: required key is missing")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("timezone", "Europe/Atlantis", "digest.timezone: 'Europe/Atlantis' is not an IANA time zone"),
        ("schedule", "every monday", "digest.schedule: 'every monday' is not a five-field cron expression"),
        ("schedule", "0 9 * * MON *", "is not a five-field cron expression"),
        ("schedule", "0 9 30 2 *", "digest.schedule: '0 9 30 2 *' never fires"),
    ],
)
def test_bad_schedule_or_zone(tmp_path: Path, key: str, value: str, expected: str) -> None:
    raw = _example()
    raw["digest"][key] = value
    (problem,) = _problems(tmp_path, raw)
    assert expected in problem


def test_missing_questionnaire_folder(tmp_path: Path) -> None:
    raw = _example()
    raw["questionnaires"] = "nowhere"
    (problem,) = _problems(tmp_path, raw)
    assert "questionnaires: folder" in problem and "does not exist" in problem


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_database(tmp_path: Path) -> None:  # pragma: no cover - CI runs as root
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    raw = _example()
    raw["database"] = str(locked / "x.db")
    (problem,) = _problems(tmp_path, raw)
    assert "database:" in problem


def test_database_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    raw = _example()
    raw["database"] = "afile/partnerships.db"
    (problem,) = _problems(tmp_path, raw)
    assert problem.startswith(str(tmp_path / "config.yaml")) and "database: cannot create" in problem


def test_bad_hard_line_pattern(tmp_path: Path) -> None:
    raw = _example()
    raw["leads"]["hard_lines"] = [{"name": "x", "patterns": ["(unclosed"], "message": "m"}]
    (problem,) = _problems(tmp_path, raw)
    assert "leads.hard_lines.0.patterns" in problem and "not a valid regular expression" in problem


def test_not_a_mapping() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("- a\n- b\n")
    assert "mapping" in caught.value.problems[0]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_check_config_cli_ok_and_bad(tmp_path: Path) -> None:
    ok = _cli("check-config", "--config", str(EXAMPLE))
    assert ok.returncode == 0 and ok.stdout.strip() == "ok"
    raw = _example()
    raw["roles"]["reviewer"] = raw["roles"].pop("reviewers")
    bad_path = tmp_path / "config.yaml"
    bad_path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    bad = _cli("check-config", "--config", str(bad_path))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stdout + bad.stderr
    assert "roles.reviewer: unknown key; did you mean 'roles.reviewers'?" in bad.stdout


def test_run_without_token_prints_one_line_and_exits_2() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = _cli("run", "--config", str(EXAMPLE), env=env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0]


def test_run_with_bad_config_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("guild_id: [", encoding="utf-8")
    result = _cli("run", "--config", str(path))
    assert result.returncode == 2 and "YAML syntax error" in result.stderr and "Traceback" not in result.stderr


def test_invite_url_has_scopes_and_permissions() -> None:
    from bot.cli import BOT_PERMISSIONS

    result = _cli("invite-url", "--client-id", "1234")
    assert result.returncode == 0
    url = result.stdout.strip()
    assert "client_id=1234" in url and "scope=bot+applications.commands" in url
    assert f"permissions={BOT_PERMISSIONS.value}" in url
    assert not BOT_PERMISSIONS.administrator and not BOT_PERMISSIONS.mention_everyone
