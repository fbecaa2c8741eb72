"""Settings that are valid but probably a mistake: an id pasted twice or in the wrong place.

``check-config`` prints these warnings before ``ok`` and the bot logs them at start; they are never a reason
to refuse a config. Re-exported by :mod:`bot.config`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

#: What each channel carries, for warnings about channels given twice. Only announcements are public.
_CHANNEL_USES = {
    "leads": "lead and review cards",
    "checklists": "checklist threads",
    "announcements": "announcements",
    "digest": "the digest (it quotes released feedback)",
}


def config_warnings(settings: Settings) -> list[str]:
    """Settings that are valid but probably a mistake (an id pasted twice or in the wrong place), one line
    each: ``check-config`` prints them before ``ok`` and the bot logs them at start. Never a reason to refuse."""
    warnings: list[str] = []
    channels = settings.channels.model_dump()
    roles = {key: value for key, value in settings.roles.model_dump().items() if value is not None}
    shared: dict[int, list[str]] = {}
    for key, channel in channels.items():
        shared.setdefault(channel, []).append(key)
    for channel, keys in shared.items():
        if len(keys) < 2:
            continue
        names = " and ".join(f"channels.{key}" for key in keys)
        if "announcements" in keys:
            private = ", ".join(_CHANNEL_USES[key] for key in keys if key != "announcements")
            warnings.append(
                f"{names} are the same channel ({channel}): announcements are public, "
                f"but {private} must stay private to the working group"
            )
        else:
            warnings.append(
                f"{names} are the same channel ({channel}): "
                f"{' and '.join(_CHANNEL_USES[key] for key in keys)} will be mixed there; fine if that is on purpose"
            )
    if settings.roles.reviewers == settings.roles.working_group:
        warnings.append(
            f"roles.reviewers is the working-group role ({settings.roles.reviewers}): everyone in the working "
            "group can approve and veto leads; give the reviewers a role of their own unless that is intended"
        )
    for key, becomes in (("working_group", "in the working group"), ("reviewers", "a reviewer")):
        if roles[key] == settings.guild_id:
            warnings.append(
                f"roles.{key} is the server's own id, which is its @everyone role: everyone in the server "
                f"would be {becomes}"
            )
    for role_key, role in roles.items():
        for channel_key in shared.get(role, []):
            warnings.append(
                f"roles.{role_key} and channels.{channel_key} are the same id ({role}): a role and a channel "
                "never share an id, so one of them was pasted in the wrong place"
            )
    return warnings
