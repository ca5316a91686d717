"""What can go wrong with billing, in terms a person can be told."""

from __future__ import annotations

from coachbot.domain.shared.errors import DomainError, NotAllowedError


class BillingNotConfigured(DomainError):
    """No payment provider key is configured."""


class PackageNotFound(NotAllowedError):
    """No such package, or not this coach's."""


class PackageNotSellable(DomainError):
    """Archived, or not published to the provider yet."""


class CheckoutNotFound(NotAllowedError):
    """No such offer, or not this person's."""


class AlreadyPaidError(DomainError):
    """The offer was paid already."""


class PaymentNotFound(NotAllowedError):
    """No such payment, or not this coach's."""


class SubscriptionNotFound(NotAllowedError):
    """No such subscription, or not this coach's."""


class NoBillingAccount(DomainError):
    """The client never paid: there is no billing account to manage."""


class RefundNotAllowed(DomainError):
    """Nothing left to refund, or more than what is left."""


class ClientNotJoined(DomainError):
    """The client has not opened their invitation yet: nobody to send a package to."""


class PaymentsUnavailableError(DomainError):
    """The provider could not be reached or failed; trying again later may work."""


class PaymentsRefusedError(DomainError):
    """The provider refused the request; `reason` is its message."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class DuplicateEventError(DomainError):
    """A provider event was recorded by another process first."""


class AccessLapsedError(DomainError):
    """Coaching needs an active subscription with this coach, and there is none."""
