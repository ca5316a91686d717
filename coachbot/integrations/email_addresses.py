"""E-mail addresses checked by email-validator: syntax and normal form only (no DNS)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from coachbot.domain.shared.errors import InvalidDetailError

MAX_LENGTH = 254  # what an SMTP path holds (RFC 5321)


def normalise_email(address: str) -> str:
    """The stored form of one address typed by a person; InvalidDetailError otherwise."""
    address = address.strip()
    if not address or len(address) > MAX_LENGTH:
        raise InvalidDetailError("email", "invalid")
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidDetailError("email", "invalid") from None
    return checked.normalized


class ValidatedEmailAddresses:
    """The people use cases' `EmailAddresses`."""

    def normalise(self, address: str) -> str:
        return normalise_email(address)
