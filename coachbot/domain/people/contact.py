"""Checks for contact details and labels a coach types about a client."""

from __future__ import annotations

import re

from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.shared.text import has_letter_or_digit, visible_text

NAME_MAX = 100
NOTES_MAX = 2000
TAG_MAX = 30
TAGS_MAX = 10
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")


def clean_name(name: str) -> str:
    """A name in NFC, runs of whitespace made one space, nothing invisible at the edges;
    one with no visible letter or digit (zero-width characters, an emoji) counts as empty.
    E-mail addresses are checked by the `EmailAddresses` port (people/ports.py)."""
    name = visible_text(" ".join(name.split()))
    if not has_letter_or_digit(name):
        raise InvalidDetailError("name", "empty")
    if len(name) > NAME_MAX:
        raise InvalidDetailError("name", "too_long")
    return name


def clean_phone(phone: str) -> str:
    """Digits with an optional leading +, as E.164 allows: 7 to 15 digits."""
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone)
    if not _PHONE_CHARACTERS.match(phone) or not 7 <= len(digits) <= 15:
        raise InvalidDetailError("phone", "invalid")
    return ("+" if phone.startswith("+") else "") + digits


def clean_notes(notes: str) -> str:
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise InvalidDetailError("notes", "too_long")
    return notes


def clean_tags(text: str) -> list[str]:
    """'Online, beginner #spring' -> ['online', 'beginner', 'spring']: lower case, once."""
    tags: list[str] = []
    for raw in re.split(r"[,\s]+", text):
        tag = raw.strip().lstrip("#").lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise InvalidDetailError("tags", "too_long")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise InvalidDetailError("tags", "too_many")
    return tags
