"""Domain errors: each carries a catalog key and values, so the message shown to a user is translatable."""

from __future__ import annotations

from typing import Any


class PartnerBotError(Exception):
    """An error whose message is safe to show to the user who caused it.

    ``key`` names a message in the catalogs (``bot/locales``); ``params`` fill its placeholders.
    The English text is also the exception's ``str()`` so logs stay readable.
    """

    key: str = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key)

    def __str__(self) -> str:
        from bot.i18n import t

        return t("en", self.key, **self.params)


class NotFound(PartnerBotError):
    """A record the user named does not exist (or is not theirs to see)."""

    key = "error.not_found"


class InvalidInput(PartnerBotError):
    """Input that breaks a stated rule: too long, empty, malformed."""

    key = "error.invalid_input"


class NotAllowed(PartnerBotError):
    """The caller lacks the role an action needs."""

    key = "error.not_allowed"


class Conflict(PartnerBotError):
    """The action no longer applies: already answered, already closed, illegal move."""

    key = "error.conflict"


class ConfigError(Exception):
    """Configuration or data-file problem, described in one line with the file and key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))
