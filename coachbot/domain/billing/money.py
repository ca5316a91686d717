"""Money as integer minor units with a currency, as payment providers count it.

Most currencies have two decimals (4990 = 49.90 EUR); zero-decimal currencies such as
JPY count whole units (4990 = ¥4,990). The list is Stripe's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from coachbot.domain.shared.errors import InvalidDetailError

ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
# Three-decimal currencies need amounts rounded to tens; not offered.
UNSUPPORTED = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
MAX_MINOR = 99_999_999  # Stripe's largest amount (8 digits)
_AMOUNT = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")
_CURRENCY = re.compile(r"^[a-z]{3}$")


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
    def parse(cls, text: str, currency: str) -> Money:
        """A price typed by a person: "49", "49.90" or "49,90" (whole units for JPY)."""
        cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
        if not _AMOUNT.match(cleaned):
            raise InvalidDetailError("amount", "invalid")
        try:
            value = Decimal(cleaned.replace(",", "."))
        except InvalidOperation:
            raise InvalidDetailError("amount", "invalid") from None
        digits = exponent(currency)
        minor = value.scaleb(digits)
        if minor != minor.to_integral_value():
            raise InvalidDetailError("amount", "too_precise")
        amount = int(minor)
        if not 1 <= amount <= MAX_MINOR:
            raise InvalidDetailError("amount", "out_of_range", maximum=cls(MAX_MINOR, currency))
        return cls(amount, currency)

    @property
    def value(self) -> Decimal:
        """In major units, for display."""
        return Decimal(self.amount).scaleb(-exponent(self.currency))
