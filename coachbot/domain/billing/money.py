"""Money as integer minor units with a currency, as payment providers count it.

Most currencies have two decimals (4990 = 49.90 EUR); zero-decimal currencies such as
JPY count whole units (4990 = ¥4,990). The list is Stripe's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.shared.locale_data import GROUP_SYMBOLS

ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
# Three-decimal currencies need amounts rounded to tens; not offered.
UNSUPPORTED = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
MAX_MINOR = 99_999_999  # Stripe's largest amount (8 digits)
_NUMBER = re.compile(r"^\d(?:[\d.,' ]*\d)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"^[a-z]{3}$")


def parse_amount(text: str, currency: str, locale: str = "en") -> Decimal:
    """The number in a typed price, its currency symbol or code dropped. The decimal
    separator is the last of two kinds ("1.234,50", "1,234.50"), or a lone one followed
    by one or two digits ("49,9"); a lone one followed by three digits ("1.234") is
    read as the locale reads it (CLDR): a thousands separator in German, a decimal
    point in English. Thousands are grouped by three ("1 234", not "12 34")."""
    cleaned = _SPACES.sub(" ", _strip_currency(text.strip(), currency)).strip()
    if not _NUMBER.match(cleaned):
        raise InvalidDetailError("amount", "invalid")
    separators = [char for char in cleaned if char in ".,"]
    decimal_sign = _decimal_sign(cleaned.replace(" ", ""), separators, locale)
    whole, fraction = cleaned.rsplit(decimal_sign, 1) if decimal_sign else (cleaned, "")
    groups = re.split(r"[.,' ]", whole)
    grouped_well = len(set(re.findall(r"[.,' ]", whole))) <= 1 and (
        len(groups) == 1 or (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))
    )
    digits = "".join(groups)
    if not grouped_well or not digits.isdigit() or len(digits) > 9:
        raise InvalidDetailError("amount", "invalid")
    if fraction and not fraction.isdigit():
        raise InvalidDetailError("amount", "invalid")
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def _decimal_sign(number: str, separators: list[str], locale: str) -> str | None:
    if not separators:
        return None
    last = separators[-1]
    if len(set(separators)) == 2:
        return last if separators.count(last) == 1 else None
    if len(separators) > 1:  # "1.234.567": all thousands
        return None
    decimals = len(number) - number.index(last) - 1
    if decimals != 3:
        return last
    group = GROUP_SYMBOLS.get(locale.replace("-", "_").split("_")[0], ",")
    return None if last == group else last


def _strip_currency(text: str, currency: str) -> str:
    """The amount without its currency: the code ("EUR 49", "CHF49") or a symbol, with up to
    three letters before it ("€49", "49 €", "US$ 49", "CA$49")."""
    # Not \b: the code may touch the number ("CHF49", as Babel writes francs in English).
    text = re.sub(rf"(?i)(?<![a-z]){re.escape(currency)}(?![a-z])", " ", text)
    symbols = "".join(sorted({ch for ch in text if unicodedata.category(ch) == "Sc"}))
    if symbols:
        text = re.sub(rf"[A-Za-z]{{0,3}}[{re.escape(symbols)}]", " ", text)
    return text


def exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL else 2


def clean_currency(text: str) -> str:
    code = text.strip().lower()
    if not _CURRENCY.match(code) or code in UNSUPPORTED:
        raise InvalidDetailError("currency", "invalid")
    return code


@dataclass(frozen=True)
class Money:
    amount: int  # minor units
    currency: str  # lower-case ISO 4217, as Stripe writes it

    @classmethod
    def parse(cls, text: str, currency: str, locale: str = "en") -> Money:
        """A price typed by a person, in the way of their locale: "49", "49.90", "49,90",
        "1.234,50", "1 234,50", "$1,234.50", "€49", "49 €" (whole units for JPY)."""
        value = parse_amount(text, currency, locale)
        digits = exponent(currency)
        minor = value.scaleb(digits)
        # "1.000" in English is one with three decimals, not a thousand: refused, not €1.
        if minor != minor.to_integral_value() or -int(value.as_tuple().exponent) > digits:
            raise InvalidDetailError("amount", "too_precise")
        amount = int(minor)
        if not 1 <= amount <= MAX_MINOR:
            raise InvalidDetailError("amount", "out_of_range", maximum=cls(MAX_MINOR, currency))
        return cls(amount, currency)

    @property
    def value(self) -> Decimal:
        """In major units, for display."""
        return Decimal(self.amount).scaleb(-exponent(self.currency))
