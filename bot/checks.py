"""Start-up checks shared by ``partnerbot check-config`` and ``partnerbot run``: the config, the
questionnaires and the message catalogs, each problem on one line."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.i18n import check_catalogs
from bot.services.questionnaires import check_questionnaires


def check_all(config_path: Path) -> tuple[Settings | None, list[str]]:
    """(settings or None, every problem found)."""
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        return None, list(error.problems)
    problems = list(check_questionnaires(settings.questionnaires))
    problems += check_catalogs()
    if settings.checklists.default and not (settings.questionnaires / f"{settings.checklists.default}.yaml").exists():
        problems.append(
            f"{config_path}: checklists.default: no questionnaire {settings.checklists.default!r} "
            f"in {settings.questionnaires}"
        )
    return settings, problems
