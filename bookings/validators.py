"""Validators for text that ends up in other places: names go into email headers and invites.

Control characters (CR and LF split a header; ESC and BEL drive terminals; NUL breaks
PostgreSQL) and bidirectional overrides (which make "gpj.exe" read as "exe.jpg") have no place
in a person's name, so forms and the API refuse them with a field error.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unsafe_character(char: str) -> bool:
    """C0 and C1 control characters (category Cc, tab included) and bidi overrides."""
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS


def refuse_unsafe_characters(value: str) -> None:
    if any(is_unsafe_character(char) for char in value):
        raise ValidationError(
            "Use letters, spaces and punctuation only: no line breaks or control characters.",
            code="control_characters",
        )
