"""discord.py's ``app_commands.Translator`` backed by the ``commands`` catalog domain, so members see
command names, descriptions and choices in their client's language."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import translate_command_text


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return translate_command_text(string.message, locale)
