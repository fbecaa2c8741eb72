"""Checks a parsed questionnaire against the format's rules and Discord's limits, one line per problem."""

from __future__ import annotations

from bot.i18n import LANGUAGES
from bot.services.questionnaires.model import (
    BUTTON_LABEL_LIMIT,
    CUSTOM_ID_LIMIT,
    CUSTOM_ID_OVERHEAD,
    DESCRIPTION_LIMIT,
    ID_PATTERN,
    SCALE,
    SELECT_OPTION_LIMIT,
    SELECT_OPTIONS_LIMIT,
    SEVERITIES,
    TEXT_INPUT_PLACEHOLDER_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    TYPES,
    YESNO,
    Question,
    QuestionFlag,
    Questionnaire,
)


def _too_long(what: str, text: str | None, limit: int) -> list[str]:
    if text is not None and len(text) > limit:
        return [f"{what} is {len(text)} characters, over the limit of {limit}"]
    return []


def _question_problems(question: Question) -> list[str]:
    problems: list[str] = []
    if not ID_PATTERN.match(question.id):
        problems.append("id may use only letters, digits, '_', '-' and '.'")
    longest = CUSTOM_ID_OVERHEAD + len(question.id)
    if longest > CUSTOM_ID_LIMIT:
        problems.append(
            f"custom ids would be up to {longest} characters, over Discord's {CUSTOM_ID_LIMIT} "
            f"(shorten the id to at most {CUSTOM_ID_LIMIT - CUSTOM_ID_OVERHEAD})"
        )
    if question.type not in TYPES:
        problems.append(f"unknown type {question.type!r} (expected one of {', '.join(TYPES)})")
        return problems
    problems += _too_long("text", question.text, TEXT_LIMIT)
    problems += _too_long("help", question.help, TEXT_LIMIT)
    problems += _too_long("section", question.section, TITLE_LIMIT)
    problems += _too_long("placeholder", question.placeholder, TEXT_INPUT_PLACEHOLDER_LIMIT)
    if question.type in ("choice", "multi"):
        if len(question.options) < 2:
            problems.append(f"a {question.type} question needs at least 2 options")
        if len(question.options) > SELECT_OPTIONS_LIMIT:
            problems.append(
                f"{len(question.options)} options, over Discord's limit of {SELECT_OPTIONS_LIMIT} in a select"
            )
        seen: set[str] = set()
        for option in question.options:
            if option.value in seen:
                problems.append(f"option {option.value!r} appears twice")
            seen.add(option.value)
            problems += _too_long(f"option {option.value!r} value", option.value, SELECT_OPTION_LIMIT)
            problems += _too_long(f"option {option.value!r} label", option.label, SELECT_OPTION_LIMIT)
            problems += _too_long(f"option {option.value!r} description", option.description, SELECT_OPTION_LIMIT)
    elif question.options:
        problems.append(f"options are only for choice and multi questions, not {question.type}")
    if question.labels and question.type != "scale":
        problems.append("labels are only for scale questions")
    for value, label in question.labels.items():
        if value not in SCALE:
            problems.append(f"scale label {value} is outside 1-5")
        problems += _too_long(f"scale label {value}", label, BUTTON_LABEL_LIMIT)
    if question.placeholder is not None and question.type != "text":
        problems.append("placeholder is only for text questions")
    if question.flag is not None:
        problems += _flag_problems(question, question.flag)
    return problems


def _flag_problems(question: Question, flag: QuestionFlag) -> list[str]:
    problems: list[str] = []
    if flag.severity not in SEVERITIES:
        problems.append(f"flag severity {flag.severity!r} is not one of {', '.join(SEVERITIES)}")
    problems += _too_long("flag message", flag.message, TEXT_LIMIT)
    if question.type == "text":
        return [*problems, "flags are not supported on text questions (nothing to match)"]
    for value in flag.when:
        if question.type == "scale":
            number = int(value) if isinstance(value, int) or str(value).isdigit() else None
            if number not in SCALE:
                problems.append(f"flag when {value!r}: scale value outside 1-5")
        elif question.type == "yesno":
            if value not in YESNO:
                problems.append(f"flag when {value!r}: a yesno question is answered yes or no")
        elif str(value) not in question.option_values():
            problems.append(f"flag when {value!r} names no option (options: {', '.join(question.option_values())})")
    return problems


def _translation_problems(questionnaire: Questionnaire) -> list[str]:
    """Structural problems in translations: unknown questions/options, text over the limits."""
    problems: list[str] = []
    by_id = {q.id: q for q in questionnaire.questions}
    for lang, translation in questionnaire.translations.items():
        where = f"translations.{lang}"
        problems += [f"{where}: {p}" for p in _too_long("title", translation.title, TITLE_LIMIT)]
        problems += [f"{where}: {p}" for p in _too_long("description", translation.description, DESCRIPTION_LIMIT)]
        sections = {q.section for q in questionnaire.questions}
        for name, text in translation.sections.items():
            if name not in sections:
                problems.append(f"{where}: section {name!r} is not a section of the questionnaire")
            problems += [f"{where}: {p}" for p in _too_long(f"section {name!r}", text, TITLE_LIMIT)]
        for qid, qt in translation.questions.items():
            question = by_id.get(qid)
            if question is None:
                problems.append(f"{where}: {qid}: no question has this id")
                continue
            here = f"{where}: {qid}"
            problems += [f"{here}: {p}" for p in _too_long("text", qt.text, TEXT_LIMIT)]
            problems += [f"{here}: {p}" for p in _too_long("help", qt.help, TEXT_LIMIT)]
            problems += [f"{here}: {p}" for p in _too_long("flag", qt.flag, TEXT_LIMIT)]
            problems += [f"{here}: {p}" for p in _too_long("placeholder", qt.placeholder, TEXT_INPUT_PLACEHOLDER_LIMIT)]
            for value, option in qt.options.items():
                if value not in question.option_values():
                    problems.append(f"{here}: option {value!r} names no option")
                for part in ("label", "description"):
                    text = getattr(option, part)
                    problems += [
                        f"{here}: {p}" for p in _too_long(f"option {value!r} {part}", text, SELECT_OPTION_LIMIT)
                    ]
            for step, label in qt.labels.items():
                if step not in SCALE:
                    problems.append(f"{here}: scale label {step} is outside 1-5")
                problems += [f"{here}: {p}" for p in _too_long(f"scale label {step}", label, BUTTON_LABEL_LIMIT)]
    return problems


def translation_gaps(questionnaire: Questionnaire) -> list[str]:
    """What each translation lacks (``translations.es: q7: no text``). The bot falls back to the
    questionnaire's own language for these, so they are reported, never fatal."""
    gaps: list[str] = []
    sections = list(dict.fromkeys(q.section for q in questionnaire.questions if q.section))
    for lang, translation in questionnaire.translations.items():
        where = f"translations.{lang}"
        if lang not in LANGUAGES:
            gaps.append(f"{where}: the bot speaks {', '.join(LANGUAGES)}; this translation is never shown")
            continue
        if not translation.title:
            gaps.append(f"{where}: no title")
        if questionnaire.description and not translation.description:
            gaps.append(f"{where}: no description")
        gaps += [f"{where}: section {s!r} is not translated" for s in sections if s not in translation.sections]
        for question in questionnaire.questions:
            qt = translation.questions.get(question.id)
            if qt is None:
                gaps.append(f"{where}: {question.id}: question is not translated")
                continue
            here = f"{where}: {question.id}"
            if not qt.text:
                gaps.append(f"{here}: no text")
            if question.help and not qt.help:
                gaps.append(f"{here}: no help")
            if question.placeholder and not qt.placeholder:
                gaps.append(f"{here}: no placeholder")
            if question.flag is not None and not qt.flag:
                gaps.append(f"{here}: no flag message")
            for option in question.options:
                translated = qt.options.get(option.value)
                if translated is None:
                    gaps.append(f"{here}: option {option.value!r} has no label")
                elif option.description and not translated.description:
                    gaps.append(f"{here}: option {option.value!r} has no description")
            gaps += [f"{here}: scale label {v} is not translated" for v in question.labels if v not in qt.labels]
    return gaps


def questionnaire_problems(questionnaire: Questionnaire) -> list[str]:
    """Every structural problem, each as ``<question id or key>: <problem>``."""
    problems: list[str] = []
    if not ID_PATTERN.match(questionnaire.id):
        problems.append("id: may use only letters, digits, '_', '-' and '.'")
    problems += [f"id: {p}" for p in _too_long("id", questionnaire.id, SELECT_OPTION_LIMIT)]
    problems += [f"title: {p}" for p in _too_long("title", questionnaire.title, TITLE_LIMIT)]
    problems += [f"description: {p}" for p in _too_long("description", questionnaire.description, DESCRIPTION_LIMIT)]
    seen: set[str] = set()
    for question in questionnaire.questions:
        if question.id in seen:
            problems.append(f"{question.id}: duplicate question id")
        seen.add(question.id)
        problems += [f"{question.id}: {p}" for p in _question_problems(question)]
    return problems + _translation_problems(questionnaire)
