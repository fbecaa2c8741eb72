"""Start-up checks shared by ``partnerbot check-config`` and ``partnerbot run``: the config, the
questionnaires and the message catalogs, each problem on one line."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.i18n import check_catalogs
from bot.services.questionnaires import check_questionnaires, load_questionnaires


def check_all(config_path: Path) -> tuple[Settings | None, list[str]]:
    """(settings or None, every problem found)."""
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        return None, list(error.problems)
    problems = list(check_questionnaires(settings.questionnaires))
    problems += check_catalogs()
    if not problems:
        known = load_questionnaires(settings.questionnaires)
        if settings.checklists.default not in known:
            problems.append(
                f"{config_path}: checklists.default: no questionnaire with id {settings.checklists.default!r} "
                f"in {settings.questionnaires} (known: {', '.join(sorted(known)) or 'none'})"
            )
    return settings, problems
