"""Where the translation catalogues live and which languages they cover.

Kept apart from the bot's i18n layer so that settings (which reject a default language
without a catalogue) can ask without importing the bot.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def available_languages() -> frozenset[str]:
    return frozenset(p.name for p in LOCALES_DIR.iterdir() if po_path(p.name).is_file())


@cache
def compile_catalog(language: str) -> GNUTranslations:
    """The `.po` file compiled in memory: no binary `.mo` file to keep in sync. Once per
    process: the bot's i18n and the reports' translator both read every catalogue."""
    with po_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


def catalog_translator(default_language: str) -> Callable[[str, str], str]:
    """(language, message) -> translation, usable anywhere (threads, the worker): for
    the pictures and files `reports/` makes."""
    catalogs = {language: compile_catalog(language) for language in available_languages()}

    def translate(language: str, message: str) -> str:
        catalog = catalogs.get(language) or catalogs.get(default_language)
        return catalog.gettext(message) if catalog is not None else message

    return translate
