"""What people type, made comparable: Unicode normalised (NFC), nothing invisible at the
edges, and whether anything readable is left.

Invisible here: whitespace and separators (Z*), control characters (Cc), format characters
(Cf: zero-width space and joiners, the byte-order mark, bidirectional marks), and the
letters that render as blanks (Hangul fillers, the blank Braille pattern).
"""

from __future__ import annotations

import unicodedata

BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = ("Z", "Cc", "Cf")


def is_invisible(character: str) -> bool:
    category = unicodedata.category(character)
    return category.startswith(_INVISIBLE_CATEGORIES) or character in BLANK_LETTERS


def visible_text(text: str) -> str:
    """`text` in NFC, without invisible characters at either end and without control
    characters (Cc) inside; joiners inside stay (emoji and several scripts need them)."""
    text = unicodedata.normalize("NFC", text)
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return "".join(c for c in text[start:end] if unicodedata.category(c) != "Cc")


def has_letter_or_digit(text: str) -> bool:
    """Whether a visible letter or digit is in `text` (an emoji alone is not a name)."""
    return any(unicodedata.category(c)[0] in "LN" and c not in BLANK_LETTERS for c in text)
