"""Terminology and typography (issue 14): French spacing, the Spanish word for a lead, bot-written notes
shown in the reader's language."""

from __future__ import annotations

import re

from bot.i18n import catalogs, localize_note, t, term

NNBSP = "\u202f"


def _french() -> dict[str, str]:
    merged: dict[str, str] = {}
    for entries in catalogs()["fr"].values():
        merged.update({k: v for k, v in entries.items() if isinstance(v, str)})
    return merged


def test_french_has_a_narrow_no_break_space_before_high_punctuation_and_inside_guillemets() -> None:
    bad = []
    for key, text in _french().items():
        # A space of any other kind before : ; ? ! », or after «.
        if re.search(r"[ \u00a0][:;?!»]|«[ \u00a0]", text):
            bad.append(key)
        # Glued punctuation is allowed only in URLs, `name:value` syntax and times (00:00).
        for found in re.finditer(r"(?<=[^\s\u202f])[;?!]", text):
            if not re.search(r"https?://\S*$", text[: found.start()]):
                bad.append(key)
    assert not bad, bad


def test_spanish_says_iniciativa_for_a_lead_and_keeps_contacto_for_the_contact() -> None:
    es = {k: v for entries in catalogs()["es"].values() for k, v in entries.items() if isinstance(v, str)}
    contact_keys = {"lead.modal.contact", "lead.field.contact", "contact", "field.contact"}
    assert [k for k, v in es.items() if "contacto" in v.casefold() and k not in contact_keys] == []
    assert t("es", "lead.added", ref="L-8", partner="ACME").startswith("Registrada L-8")
    assert t("es", "lead.logged_line", when="w", owner="o", visibility=t("es", "lead.visibility.wg")).endswith(
        "visible para el grupo de trabajo"
    )


def test_field_names_in_the_history_are_the_readers_words() -> None:
    assert term("fr", "field", "visibility") == "visibilité"
    assert "visibilité" in t("fr", "lead.history.edit", when="w", actor="a", field=term("fr", "field", "visibility"))
    assert term("es", "field", "summary") == "resumen"
    assert term("en", "field", "visibility") == "visibility"


def test_checklist_notes_written_in_english_read_in_french_and_spanish() -> None:
    started = t("en", "checklist.note.started", title="Assessment")
    assert localize_note("fr", started) == f"Liste de contrôle lancée{NNBSP}: Assessment"
    assert localize_note("es", started) == "Lista de verificación iniciada: Assessment"
    completed = (
        t("en", "checklist.note.completed", run="#3", title="Assessment", answered=12, skipped=2)
        + "\n- High: Shares user data\n• Low: Minor"
    )
    fr = localize_note("fr", completed).split("\n")
    assert fr[0].startswith("Liste de contrôle #3 terminée")
    assert fr[1:] == [f"• Élevé{NNBSP}: Shares user data", f"• Faible{NNBSP}: Minor"]
    assert "\\-" not in localize_note("es", completed) and "High" not in localize_note("es", completed)


def test_duplicate_note_fields_are_translated_and_people_text_is_left_alone() -> None:
    note = "ACME (<@12>)\nsummary: A museum\nlink: https://example.org/a:b"
    assert localize_note("fr", note).split("\n")[1:] == [
        f"résumé{NNBSP}: A museum",
        f"lien{NNBSP}: https://example.org/a:b",
    ]
    assert localize_note("es", note).split("\n")[1] == "resumen: A museum"
    assert localize_note("fr", "summary: my own words") == "summary: my own words"
    assert localize_note("fr", "Checklist started: yes, I wrote this\nmore") != ""


def test_a_long_note_that_looks_like_the_bots_is_never_matched_against_the_templates(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The templates' patterns backtrack on long look-alike lines (seconds at 1,000 characters): such a
    line is a person's, and the patterns are never tried on it."""
    import bot.i18n as i18n

    def refuse(*args: object) -> None:
        raise AssertionError("the templates were tried on a long line")

    monkeypatch.setattr(i18n, "_match_any", refuse)
    crafted = "Checklist " + " completed: " * 300 + ". " + ", "
    assert i18n.localize_note("es-ES", crafted) == crafted
