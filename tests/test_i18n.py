"""Message catalogs: fallbacks, placeholders, right-to-left isolation, catalog checks, the translator."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import FSI, PDI, check_catalogs, is_rtl, language_of, t, translate_command_text
from bot.i18n.translator import CatalogTranslator


def test_language_of_discord_locales() -> None:
    assert language_of("es-ES") == "es"
    assert language_of("es-419") == "es"
    assert language_of(discord.Locale.french) == "fr"
    assert language_of("ar") == "ar"
    assert language_of("en-GB") == "en"
    assert language_of("de") == "en"  # not shipped: English
    assert language_of(None) == "en"


def test_unknown_language_and_key_fall_back_to_english() -> None:
    assert t("de", "error.not_found") == t("en", "error.not_found") == "I could not find that."
    assert t("es-ES", "error.not_found") == "No pude encontrar eso."
    # An unknown key never raises and never leaks a placeholder error.
    assert t("fr", "no.such.key") == "no.such.key"


def test_placeholders_filled_and_missing_ones_kept() -> None:
    text = t("en", "error.unexpected", code="ABC123")
    assert "ABC123" in text
    assert "{code}" in t("en", "error.unexpected")


def test_arabic_isolates_latin_names_and_ids() -> None:
    assert is_rtl("ar") and not is_rtl("fr")
    text = t("ar", "about.title", version="L-12")
    assert f"{FSI}L-12{PDI}" in text
    assert FSI not in t("en", "about.title", version="L-12")


def test_check_catalogs_reports_missing_keys_and_placeholder_drift() -> None:
    data = {
        "en": {"core": {"a": "Hello {name}", "b": "Bye"}, "commands_x": {"lead": "lead"}},
        "es": {"core": {"a": "Hola {nombre}", "c": "extra"}, "commands_x": {"lead": "prospecto"}},
        "fr": {"core": {"a": "Bonjour {name}", "b": "Au revoir"}, "commands_x": {"lead": "piste"}},
        "ar": {"core": {"a": "مرحبا {name}", "b": "وداعا"}, "commands_x": {}},
    }
    problems = check_catalogs(data)
    assert any("es/LC_MESSAGES/core.po: missing 'b'" in p for p in problems)
    assert any("es/LC_MESSAGES/core.po: 'a' has placeholders ['nombre']" in p for p in problems)
    assert any("'c' is not in the English catalog" in p for p in problems)
    assert any("ar/LC_MESSAGES/commands_x.po: missing 'lead'" in p for p in problems)
    assert not any("/fr/" in p for p in problems)


async def test_translator_localizes_command_texts() -> None:
    translator = CatalogTranslator()
    context = app_commands.TranslationContext(location=app_commands.TranslationContextLocation.other, data=None)
    string = app_commands.locale_str("about")
    assert await translator.translate(string, discord.Locale.spain_spanish, context) == "acerca"
    assert await translator.translate(string, discord.Locale.french, context) == "a-propos"
    assert await translator.translate(string, discord.Locale.german, context) is None
    assert translate_command_text("about", "en-US") is None
