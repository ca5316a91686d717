"""Cards as the fake Stripe's pages take them: Stripe's test cards, which succeed or
decline as in Stripe's test mode, and a card form checked with Stripe's messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    outcome: str
    decline: str | None = None  # Stripe's message when the card is declined

    @property
    def spaced(self) -> str:
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


# Stripe's test cards (the same numbers behave the same way in Stripe's test mode).
TEST_CARDS = (
    TestCard("4242424242424242", "Visa", "Succeeds"),
    TestCard("5555555555554444", "Mastercard", "Succeeds"),
    TestCard("4000000000000002", "Visa", "Declined", "Your card was declined."),
    TestCard("4000000000009995", "Visa", "Insufficient funds", "Your card has insufficient funds."),
    TestCard("4000000000000069", "Visa", "Expired card", "Your card has expired."),
)
CARDS = {card.number: card for card in TEST_CARDS}


class CardRefused(Exception):
    """The card form was refused; `field` is the input to fix, `status` the HTTP status."""

    def __init__(self, message: str, field: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def luhn_valid(number: str) -> bool:
    total = 0
    for index, digit in enumerate(int(d) for d in reversed(number)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def read_card(form: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """The card typed into a form, checked as Stripe's card fields and test mode check
    it; returns what Stripe keeps of a card (brand, last four digits, expiry)."""
    number = re.sub(r"[\s-]", "", form.get("cardnumber", ""))
    if len(number) < 12 or not number.isdigit():
        raise CardRefused("Your card number is incomplete.", "cardnumber")
    if not luhn_valid(number):
        raise CardRefused("Your card number is invalid.", "cardnumber")
    expiry = _EXPIRY.match(form.get("expiry", ""))
    if expiry is None:
        raise CardRefused("Your card's expiration date is incomplete.", "expiry")
    month, year = int(expiry[1]), int(expiry[2])
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        raise CardRefused("Your card's expiration month is invalid.", "expiry")
    if (year, month) < (now.year, now.month):
        raise CardRefused("Your card's expiration date is in the past.", "expiry")
    cvc = form.get("cvc", "").strip()
    if not (cvc.isdigit() and 3 <= len(cvc) <= 4):
        raise CardRefused("Your card's security code is incomplete.", "cvc")
    card = CARDS.get(number)
    if card is None:
        raise CardRefused(
            "Your card was declined. This is a test checkout: only the test cards listed "
            "below work, and no real card is ever charged.",
            "cardnumber",
            402,
        )
    if card.decline:
        raise CardRefused(card.decline, "cardnumber", 402)
    return {"brand": card.brand, "last4": number[-4:], "exp_month": month, "exp_year": year}


def read_email(form: Mapping[str, str]) -> str:
    email = form.get("email", "").strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise CardRefused("Your email address is incomplete.", "email")
    return email


def card_text(card: Mapping[str, Any] | None) -> str:
    if not card:
        return ""
    return f"{card['brand']} •••• {card['last4']}"
