"""Retraction codes: 80 random bits shown once to the author, kept only as a salted hash."""

from __future__ import annotations

import hashlib
import secrets

from bot.errors import InvalidInput

#: Crockford's base32: no I, L, O or U, so a code read aloud or retyped is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits
CODE_GROUP = 4
_CODE_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh retraction code, 80 random bits as ``XXXX-XXXX-XXXX-XXXX``."""
    bits = secrets.randbits(CODE_LENGTH * 5)
    raw = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def normalise_code(value: str) -> str:
    """The canonical 16 characters of a code as typed (any case, spaces or dashes, O for 0...).

    Raises :class:`InvalidInput` ``feedback.code_malformed`` when it cannot be a code."""
    compact = "".join(ch for ch in value.upper() if ch not in " -_\t\n").translate(_CODE_FIXES)
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        raise InvalidInput("feedback.code_malformed", example=format_code("7K3MQ9TX2BHDW4RE"))
    return compact


def looks_like_code(value: str) -> bool:
    try:
        normalise_code(value)
    except InvalidInput:
        return False
    return True


def code_hash(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + normalise_code(code).encode("ascii")).digest()
