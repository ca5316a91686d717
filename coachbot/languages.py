"""Where the translation catalogues live and which languages they cover.

Kept apart from the bot's i18n layer so that settings (which reject a default language
without a catalogue) can ask without importing the bot.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def available_languages() -> frozenset[str]:
    return frozenset(p.name for p in LOCALES_DIR.iterdir() if po_path(p.name).is_file())
