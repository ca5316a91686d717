"""Gettext catalogues for every user-facing string.

The `.po` files are the source of truth and are compiled in memory when the bot starts,
so there is no build step and no binary `.mo` file to keep in sync.
"""

from __future__ import annotations

from gettext import GNUTranslations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from coachbot.languages import DOMAIN, LOCALES_DIR, available_languages, compile_catalog


class PoCatalogI18n(I18n):
    """aiogram's I18n reading `.po` files directly.

    aiogram keeps the current instance in a context variable per class, so code must use
    this module's `gettext`/`lazy_gettext`/`ngettext`, which look up this class.
    """

    def find_locales(self) -> dict[str, GNUTranslations]:
        return {language: compile_catalog(language) for language in available_languages()}


def create_i18n(default_language: str) -> PoCatalogI18n:
    return PoCatalogI18n(path=LOCALES_DIR, default_locale=default_language, domain=DOMAIN)


def _current() -> PoCatalogI18n:
    i18n = PoCatalogI18n.get_current(no_error=True)
    if not isinstance(i18n, PoCatalogI18n):
        raise LookupError("no I18n context: translate inside a handler or `i18n.context()`")
    return i18n


def current_language() -> str:
    """The language of the person being answered (for Babel's numbers and dates)."""
    return _current().current_locale


def gettext(message: str) -> str:
    return _current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current().gettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """For strings defined at import time (command descriptions)."""
    return LazyProxy(gettext, message, enable_cache=False)


def translator(i18n: I18n):
    """(language, message) -> translation, usable outside a handler and in threads: for
    the pictures and files `reports/` makes."""

    def translate(language: str, message: str) -> str:
        locale = language if language in i18n.available_locales else i18n.default_locale
        return i18n.gettext(message, locale=locale)

    return translate
