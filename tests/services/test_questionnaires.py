"""Questionnaire files: shipped ones validate; each bad input is named with file, question and problem."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import ConfigError
from bot.services.questionnaires import (
    TYPES,
    check_questionnaires,
    from_snapshot,
    load_questionnaires,
    parse_questionnaire,
    snapshot,
)

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "questionnaires"

BASE: dict[str, Any] = {
    "id": "mini",
    "version": 1,
    "title": "Mini",
    "questions": [
        {
            "id": "ok",
            "section": "S",
            "text": "Fine?",
            "type": "yesno",
            "flag": {"when": ["no"], "severity": "high", "message": "Not fine"},
        },
        {"id": "pick", "section": "S", "text": "Which?", "type": "choice", "options": ["a", "b"]},
        {"id": "rate", "section": "S", "text": "How much?", "type": "scale", "labels": {1: "low", 5: "high"}},
    ],
}


def write(folder: Path, data: dict[str, Any] | str, name: str = "mini.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def with_question(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["questions"].append({"id": "extra", "section": "S", "text": "Extra?", "type": "yesno", **changes})
    return data


def problems_for(tmp_path: Path, data: dict[str, Any] | str) -> list[str]:
    path = write(tmp_path / "q", data)
    found = check_questionnaires(path.parent)
    with pytest.raises(ConfigError) as raised:
        load_questionnaires(path.parent)
    assert raised.value.problems == found
    assert all(line.startswith(f"{path}: ") for line in found)
    return found


def test_shipped_questionnaires_validate_without_gaps() -> None:
    assert check_questionnaires(SHIPPED) == []
    loaded = load_questionnaires(SHIPPED)
    assessment = loaded["partnership-assessment"]
    assert {q.type for q in assessment.questions} == set(TYPES)
    assert set(assessment.translations) == {"es", "fr", "ar"}
    assert any(not q.required for q in assessment.questions)
    assert any(q.flag and q.flag.severity == "high" for q in assessment.questions)
    brand = next(q for q in assessment.questions if q.id == "brand_risk")
    assert brand.type == "scale" and brand.flag is not None and set(brand.flag.when) == {4, 5}
    tier = next(q for q in assessment.questions if q.id == "tier")
    assert tier.option_values() == ("contributory", "collaborative", "co-creative")


def test_a_good_file_loads_and_yaml_booleans_mean_words(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE).replace("- 'no'", "- no")
    write(tmp_path, text)
    loaded = load_questionnaires(tmp_path)
    flag = loaded["mini"].questions[0].flag
    assert flag is not None and flag.when == ("no",)


def test_duplicate_question_ids(tmp_path: Path) -> None:
    data = with_question()
    data["questions"][-1]["id"] = "ok"
    assert any(line.endswith(": ok: duplicate question id") for line in problems_for(tmp_path, data))


def test_unknown_type(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, with_question(type="dropdown"))
    assert any(": extra: unknown type 'dropdown'" in line for line in lines)


def test_choice_without_options(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, with_question(type="choice"))
    assert any(": extra: a choice question needs at least 2 options" in line for line in lines)


def test_more_than_25_options(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, with_question(type="multi", options=[f"o{i}" for i in range(26)]))
    assert any(": extra: 26 options, over Discord's limit of 25" in line for line in lines)


def test_option_label_over_the_select_limit(tmp_path: Path) -> None:
    options = [{"value": "a", "label": "x" * 101}, "b"]
    lines = problems_for(tmp_path, with_question(type="choice", options=options))
    assert any(": extra: option 'a' label is 101 characters, over the limit of 100" in line for line in lines)


def test_scale_label_over_the_button_limit(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, with_question(type="scale", labels={1: "y" * 81}))
    assert any(": extra: scale label 1 is 81 characters, over the limit of 80" in line for line in lines)


def test_flag_when_names_no_option(tmp_path: Path) -> None:
    flag = {"when": ["c"], "severity": "low", "message": "m"}
    lines = problems_for(tmp_path, with_question(type="choice", options=["a", "b"], flag=flag))
    assert any(": extra: flag when 'c' names no option" in line for line in lines)


def test_scale_value_outside_one_to_five(tmp_path: Path) -> None:
    flag = {"when": [6], "severity": "medium", "message": "m"}
    lines = problems_for(tmp_path, with_question(type="scale", flag=flag, labels={0: "zero"}))
    assert any(": extra: flag when 6: scale value outside 1-5" in line for line in lines)
    assert any(": extra: scale label 0 is outside 1-5" in line for line in lines)


def test_unknown_severity(tmp_path: Path) -> None:
    flag = {"when": ["yes"], "severity": "urgent", "message": "m"}
    lines = problems_for(tmp_path, with_question(flag=flag))
    assert any(": extra: flag severity 'urgent' is not one of high, medium, low" in line for line in lines)


def test_custom_ids_over_100_characters(tmp_path: Path) -> None:
    data = with_question()
    data["questions"][-1]["id"] = "q" * 80
    lines = problems_for(tmp_path, data)
    assert any(f": {'q' * 80}: custom ids would be up to 107 characters, over Discord's 100" in line for line in lines)


def test_schema_errors_name_the_question(tmp_path: Path) -> None:
    data = with_question(colour="red")
    del data["questions"][1]["text"]
    lines = problems_for(tmp_path, data)
    assert any(line.endswith(": extra: colour: unknown key") for line in lines)
    assert any(line.endswith(": pick: text: required key is missing") for line in lines)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text = "id: x\nversion: 1\ntitle: &t Nested\nquestions: [{id: q, section: *t, text: *t, type: yesno}]\n"
    lines = problems_for(tmp_path, text)
    assert len(lines) == 1 and "aliases (*t) are not accepted" in lines[0] and "line 4" in lines[0]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, "id: x\nquestions: [\n")
    assert len(lines) == 1 and "YAML syntax error" in lines[0] and "line " in lines[0]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = with_question(type="choice")
    data["questions"][0]["id"] = "pick"
    lines = problems_for(tmp_path, data)
    assert len(lines) == 2


def test_two_files_with_the_same_id(tmp_path: Path) -> None:
    write(tmp_path, BASE, "one.yaml")
    write(tmp_path, BASE, "two.yaml")
    assert check_questionnaires(tmp_path) == [f"{tmp_path / 'two.yaml'}: id: 'mini' is already used by another file"]


def test_translation_lacking_a_question_is_reported_but_falls_back(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["translations"] = {
        "es": {
            "title": "Mini",
            "sections": {"S": "S"},
            "questions": {
                "ok": {"text": "¿Bien?", "flag": "No está bien"},
                "pick": {"text": "¿Cuál?", "options": {"a": "A"}},
            },
        }
    }
    path = write(tmp_path, data)
    lines = check_questionnaires(tmp_path)
    assert f"{path}: translations.es: rate: question is not translated" in lines
    assert f"{path}: translations.es: pick: option 'b' has no label" in lines
    questionnaire = load_questionnaires(tmp_path)["mini"]  # gaps are not fatal
    spanish = questionnaire.localized("es-ES")
    ok, pick, rate = questionnaire.questions
    assert spanish.text(ok) == "¿Bien?"
    assert spanish.flag_message(ok) == "No está bien"
    assert spanish.option(pick, "a") == "A"
    assert spanish.option(pick, "b") == "b"
    assert spanish.text(rate) == "How much?"
    assert spanish.scale_label(rate, 5) == "high"
    assert questionnaire.localized("de").text(ok) == "Fine?"


def test_translation_in_a_language_the_bot_does_not_speak_is_reported(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["translations"] = {"de": {"title": "Mini"}}
    path = write(tmp_path, data)
    assert check_questionnaires(tmp_path) == [
        f"{path}: translations.de: the bot speaks en, es, fr, ar; this translation is never shown"
    ]
    assert load_questionnaires(tmp_path)["mini"].localized("de").title == "Mini"


def test_translation_naming_an_unknown_question_is_a_problem(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["translations"] = {"fr": {"questions": {"ghost": {"text": "?"}}}}
    lines = problems_for(tmp_path, data)
    assert any(line.endswith(": translations.fr: ghost: no question has this id") for line in lines)


def test_snapshot_round_trips() -> None:
    questionnaire = load_questionnaires(SHIPPED)["partnership-assessment"]
    again = from_snapshot(snapshot(questionnaire))
    assert again == questionnaire
    assert again.questions[2].labels == {1: "No overlap", 5: "Strong overlap"}


def test_parse_rejects_a_non_mapping() -> None:
    questionnaire, problems = parse_questionnaire("- a\n- b\n", "x.yaml")
    assert questionnaire is None
    assert problems == ["x.yaml: the file must be a mapping with id, version, title and questions"]
