"""Billing notices: offers, receipts, failed payments and dunning, refunds, trials and
plans that ended. Dates are shown in the reader's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.shared.notices import Notice


@dataclass(frozen=True, kw_only=True)
class PackageNotice(Notice):
    """Names and prices a package (as `package_params` gives them)."""

    package: str = ""
    amount: int | None = None
    currency: str = ""
    interval: str | None = None


@dataclass(frozen=True, kw_only=True)
class AboutClient(Notice):
    """To the coach, with a button to the client's billing card (none for an unknown
    payer); to the client, `name` is theirs."""

    client_id: int | None = None
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class PackageOffer(PackageNotice):
    checkout_id: int
    coach: str
    description: str | None = None
    trial_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentNotice(AboutClient):
    payment_id: int | None = None
    amount: int
    currency: str
    package: str
    invoice_url: str | None = None
    pdf_url: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentReceipt(PaymentNotice):
    next: datetime | None = None  # the next payment of a plan


@dataclass(frozen=True, kw_only=True)
class PaymentReceived(PaymentNotice):
    pass


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(PaymentNotice):
    grace_days: int | None = None  # coaching goes on this long (None: not paused)
    checkout_id: int | None = None  # to try a one-off payment again


@dataclass(frozen=True, kw_only=True)
class PaymentFailedCoach(PaymentNotice):
    pass


@dataclass(frozen=True, kw_only=True)
class PaymentReminder(PaymentNotice):
    pass


@dataclass(frozen=True, kw_only=True)
class RefundIssued(PaymentNotice):
    refunded: int


@dataclass(frozen=True, kw_only=True)
class AccessPaused(AboutClient):
    pass


@dataclass(frozen=True, kw_only=True)
class AccessPausedCoach(AboutClient):
    pass


@dataclass(frozen=True, kw_only=True)
class TrialStarted(PackageNotice, AboutClient):
    ends: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class TrialStartedCoach(TrialStarted):
    pass


@dataclass(frozen=True, kw_only=True)
class SubscriptionEnded(PackageNotice, AboutClient):
    pass


@dataclass(frozen=True, kw_only=True)
class SubscriptionEndedCoach(SubscriptionEnded):
    pass


@dataclass(frozen=True, kw_only=True)
class SubscriptionCancellingCoach(PackageNotice, AboutClient):
    """The client set their plan to end with the period (e.g. in the portal)."""

    ends: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SubscriptionRenewedCoach(PackageNotice, AboutClient):
    """The client took back a cancellation: the plan continues."""


@dataclass(frozen=True, kw_only=True)
class LinkSubscriberUnmatched(PackageNotice):
    """Someone paid through the coach's payment link with an e-mail none (or several)
    of their clients have."""

    email: str
    clients: int  # how many have that e-mail
