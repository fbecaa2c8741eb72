"""Masking and neutralising rules for anonymous feedback text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.services.feedback_text import (
    EMAIL_MASK,
    PHONE_MASK,
    ZWSP,
    clean,
    is_blank,
    mask_emails,
    mask_phones,
    neutralise_mentions,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello @everyone", f"hello @{ZWSP}everyone"),
        ("@here look", f"@{ZWSP}here look"),
        ("ask <@123456789012345678> please", "ask @member please"),
        ("ask <@!123456789012345678> please", "ask @member please"),
        ("the <@&987654321098765432> role", "the @role role"),
        ("see <#111222333444555666>", "see #channel"),
    ],
)
def test_mentions_are_neutralised(raw: str, expected: str) -> None:
    text, count = neutralise_mentions(raw)
    assert text == expected
    assert count == 1


def test_no_snowflake_survives_a_mention() -> None:
    cleaned = clean("<@123456789012345678> <@&223456789012345678> <#323456789012345678>", max_length=200)
    assert not any(ch.isdigit() for ch in cleaned.text)
    assert cleaned.mentions == 3


@pytest.mark.parametrize(
    "raw",
    [
        "jane.doe@example.org",
        "Jane.Doe+partners@mail.example.co.uk",
        "jane (at) example (dot) org",
        "jane[at]example[dot]org",
        "josé@correo.es",
    ],
)
def test_emails_are_masked(raw: str) -> None:
    text, count = mask_emails(f"write to {raw} soon")
    assert text == f"write to {EMAIL_MASK} soon"
    assert count == 1


@pytest.mark.parametrize(
    "raw",
    [
        "+33 6 12 34 56 78",
        "+1-202-555-0143",
        "(555) 123-4567",
        "555-123-4567",
        "0612345678",
        "06 12 34 56 78",
        "0049 30 1234567",
        "+966 50 123 4567",
        "612 345 678",
    ],
)
def test_phone_numbers_are_masked(raw: str) -> None:
    text, count = mask_phones(f"call {raw} today")
    assert text == f"call {PHONE_MASK} today"
    assert count == 1


@pytest.mark.parametrize(
    "raw",
    [
        "2026-01-05",
        "05/01/2026",
        "2020-2024",
        "1.000.000",
        "3.14159265",
        "L-42",
        "10:30",
        "1234567",
        "2026-W03",
        "42",
        "version 3.11.2",
    ],
)
def test_numbers_that_are_not_phones_stay(raw: str) -> None:
    text, count = mask_phones(f"see {raw} here")
    assert text == f"see {raw} here"
    assert count == 0


def test_clean_reports_what_was_masked() -> None:
    cleaned = clean("Mail a@b.org or call +44 20 7946 0958, cc @everyone", max_length=500)
    assert cleaned.text == f"Mail {EMAIL_MASK} or call {PHONE_MASK}, cc @{ZWSP}everyone"
    assert (cleaned.emails, cleaned.phones, cleaned.mentions) == (1, 1, 1)
    assert cleaned.changed


@pytest.mark.parametrize(
    "text",
    [
        "الشراكة مع المتحف كانت مفيدة جدا",
        "与博物馆的合作非常有帮助",
        "संग्रहालय के साथ साझेदारी बहुत उपयोगी थी",
        "Партнёрство с музеем было полезным",
    ],
)
def test_any_script_is_kept_as_written(text: str) -> None:
    cleaned = clean(f"  {text}\n", max_length=500)
    assert cleaned.text == text
    assert not cleaned.changed


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\u200b", " \u200b\u2060 "])
def test_empty_text_is_refused(raw: str) -> None:
    assert is_blank(raw.strip())
    with pytest.raises(InvalidInput) as err:
        clean(raw, max_length=100)
    assert err.value.key == "feedback.empty"


def test_length_limit_is_stated() -> None:
    assert clean("x" * 100, max_length=100).text == "x" * 100
    with pytest.raises(InvalidInput) as err:
        clean("x" * 101, max_length=100)
    assert err.value.key == "feedback.too_long"
    assert err.value.params == {"limit": 100, "length": 101}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                [
                    "@everyone",
                    "@here",
                    "<@12345678901234567>",
                    "<#12345678901234567>",
                    "a@b.org",
                    " (at) ",
                    " [dot] ",
                    "+33 6 12 34 56 78",
                    "555-123-4567",
                    "2026-01-05",
                    "(",
                    ")",
                    "@",
                    ".",
                    "-",
                    " ",
                    "0",
                ]
            ),
        ),
        max_size=12,
    ).map("".join)
)
def test_cleaning_is_idempotent(raw: str) -> None:
    try:
        once = clean(raw, max_length=10_000)
    except InvalidInput:
        return
    twice = clean(once.text, max_length=10_000)
    assert twice.text == once.text
    assert not twice.changed
