"""Questionnaires: the YAML format of data/questionnaires, its validation and its translations.

``load_questionnaires(folder)`` (at start; raises ConfigError naming every problem) and
``check_questionnaires(folder)`` (for ``partnerbot check-config``; also lists translation gaps).
"""

from bot.services.questionnaires.files import (
    check_questionnaires,
    find_questionnaire,
    load_questionnaires,
    parse_questionnaire,
)
from bot.services.questionnaires.model import (
    SCALE,
    SEVERITIES,
    TYPES,
    YESNO,
    Localized,
    Option,
    Question,
    QuestionFlag,
    Questionnaire,
    Translation,
    from_snapshot,
    snapshot,
)
from bot.services.questionnaires.validate import questionnaire_problems, translation_gaps

__all__ = [
    "SCALE",
    "SEVERITIES",
    "TYPES",
    "YESNO",
    "Localized",
    "Option",
    "Question",
    "QuestionFlag",
    "Questionnaire",
    "Translation",
    "check_questionnaires",
    "find_questionnaire",
    "from_snapshot",
    "load_questionnaires",
    "parse_questionnaire",
    "questionnaire_problems",
    "snapshot",
    "translation_gaps",
]
