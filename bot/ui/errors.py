"""The one error path: domain errors become a private, plain-language reply; anything else becomes a
short apology with a reference code, and the traceback goes to the log under the same code."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.errors import PartnerBotError
from bot.i18n import t, term
from bot.ui.guard import refuse_unstorable
from bot.ui.respond import SEND_ERRORS, failure

log = logging.getLogger(__name__)


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is None or inner is error:
            break
        error = inner
    return error


def _in_words(value: Any, locale: object) -> Any:
    """A value that names product terms (``StatusWords``: ``term_kind`` and ``terms``) in the reader's words."""
    kind = getattr(value, "term_kind", None)
    if kind is None:
        return value
    return ", ".join(term(locale, kind, word) for word in value.terms) or "—"


def message_of(error: PartnerBotError, locale: object) -> str:
    """A domain error's message in ``locale``, with any status it names as a member reads it."""
    return t(locale, error.key, **{key: _in_words(value, locale) for key, value in error.params.items()})


def describe(error: BaseException, locale: object) -> tuple[str, bool]:
    """(message for the user, whether it was expected)."""
    error = _unwrap(error)
    if isinstance(error, PartnerBotError):
        return message_of(error, locale), True
    if isinstance(error, app_commands.CheckFailure):
        inner = error.__cause__
        if isinstance(inner, PartnerBotError):
            return message_of(inner, locale), True
        return t(locale, "error.not_allowed"), True
    if isinstance(error, app_commands.TransformerError):
        return t(locale, "error.invalid_input"), True
    return "", False


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user what went wrong, privately; log what they should not see."""
    message, expected = describe(error, interaction.locale)
    if not expected:
        code = secrets.token_hex(3).upper()
        log.error("unexpected error %s in interaction", code, exc_info=_unwrap(error))
        message = t(interaction.locale, "error.unexpected", code=code)
    else:
        log.debug("refused interaction: %s", message)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except SEND_ERRORS as error:
        log.warning("could not deliver an error reply to the user (%s)", failure(error))


class PartnerTree(app_commands.CommandTree):
    """Refuses text the bot cannot store before any command or autocomplete sees it, and routes every
    command error through :func:`report_error`."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return not await refuse_unstorable(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
