"""How billing looks in chat: amounts in the reader's language (Babel), billing periods,
statuses and dates, and the coach's billing screens."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency

from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import bold, escape, fmt, long_text, stack
from coachbot.domain.billing.admin import ClientBilling, RefundDraft
from coachbot.domain.billing.model import (
    BillingSettings,
    Package,
    Payment,
    PaymentStatus,
    SubscriptionStatus,
)
from coachbot.domain.billing.money import Money
from coachbot.domain.people.model import User

CURRENCY_CHOICES = ("eur", "usd", "gbp", "chf", "jpy")


def money(amount: int, currency: str, locale: str) -> str:
    """4990 EUR in German: "49,90 €"; 4990 JPY in English: "¥4,990"."""
    value = Money(amount, currency).value
    return format_currency(value, currency.upper(), locale=locale)


def totals(by_currency: dict[str, int], locale: str) -> str:
    if not by_currency:
        return money(0, "eur", locale)
    return " + ".join(money(amount, currency, locale) for currency, amount in by_currency.items())


def per_interval(price: str, interval: str | None) -> str:
    if interval is None:
        return fmt(_("{price} once"), price=price)
    labels = {
        "week": _("{price} per week"),
        "month": _("{price} per month"),
        "year": _("{price} per year"),
    }
    return fmt(labels[interval], price=price)


def interval_label(interval: str | None) -> str:
    labels = {
        None: _("One-off"),
        "week": _("Weekly"),
        "month": _("Monthly"),
        "year": _("Yearly"),
    }
    return labels[interval]


def trial_label(days: int) -> str:
    return fmt(ngettext("{count}-day free trial", "{count}-day free trial", days), count=days)


def subscription_status(status: SubscriptionStatus, paused: bool = False) -> str:
    if paused and status is SubscriptionStatus.active:
        return _("active, collection paused")
    labels = {
        SubscriptionStatus.incomplete: _("waiting for the first payment"),
        SubscriptionStatus.incomplete_expired: _("never started"),
        SubscriptionStatus.trialing: _("free trial"),
        SubscriptionStatus.active: _("active"),
        SubscriptionStatus.past_due: _("payment overdue"),
        SubscriptionStatus.unpaid: _("unpaid"),
        SubscriptionStatus.canceled: _("cancelled"),
        SubscriptionStatus.paused: _("paused"),
    }
    return labels[status]


def payment_status(status: PaymentStatus, refunded: int = 0, amount: int = 0) -> str:
    if status is PaymentStatus.paid and refunded:
        return _("refunded") if refunded >= amount else _("partly refunded")
    labels = {
        PaymentStatus.pending: _("pending"),
        PaymentStatus.paid: _("paid"),
        PaymentStatus.failed: _("failed"),
        PaymentStatus.void: _("void"),
    }
    return labels[status]


def day(moment: datetime, timezone: str, locale: str) -> str:
    return format_date(moment.astimezone(ZoneInfo(timezone)).date(), format="medium", locale=locale)


def package_price(package: Package, locale: str) -> str:
    """ "€49.90 per month", "¥5,000 once"."""
    price = money(package.amount, package.currency, locale)
    return per_interval(price, package.interval.value if package.interval else None)


def package_line(package: Package, locale: str) -> str:
    """The package's name and price, in HTML."""
    return fmt("{name} · {price}", name=package.name, price=package_price(package, locale))


def render_package(package: Package, locale: str) -> str:
    lines = [bold(package.name), package_price(package, locale)]
    if package.trial_days:
        lines.append(trial_label(package.trial_days))
    if package.description:
        lines.append(long_text(package.description))
    if package.payment_link_url:
        lines.append(fmt(_("Payment link: {url}"), url=escape(package.payment_link_url)))
    if package.archived:
        lines.append(_("Archived: no longer sold."))
    elif not package.published:
        lines.append(_("Not published to Stripe yet: open it and try again."))
    return stack(lines)


def package_button(package: Package, locale: str) -> str:
    return f"{package.name} · {package_price(package, locale)}"


def payment_line(payment: Payment, viewer: User) -> str:
    """• date · amount · package · status, in the viewer's zone and language."""
    amount = money(payment.amount, payment.currency, viewer.language)
    status = payment_status(payment.status, payment.refunded_amount, payment.amount)
    when = day(payment.paid_at or payment.created_at, viewer.timezone, viewer.language)
    return fmt(
        "• {when} · {amount} · {package} · {status}",
        when=when,
        amount=amount,
        package=payment.description,
        status=status,
    )


def render_rules(settings: BillingSettings) -> str:
    if not settings.require_subscription:
        return _(
            "Coaching does not depend on payment: clients keep check-ins whether they pay or not."
        )
    return fmt(
        _(
            "Coaching needs an active subscription. After a failed payment clients keep access "
            "for {days} day(s); it comes back as soon as they pay."
        ),
        days=settings.grace_days,
    )


def render_client_billing(view: ClientBilling, viewer: User) -> str:
    locale, zone = viewer.language, viewer.timezone
    lines: list[str] = [fmt(_("💳 <b>{name}</b>: billing"), name=escape(view.client.display_name))]
    current = view.current
    if current is None:
        lines.append(_("No subscription."))
    else:
        package = view.packages.get(current.package_id or 0)
        if package is not None:
            lines.append(package_line(package, locale))
        lines.append(
            fmt(_("Status: {status}"), status=subscription_status(current.status, current.paused))
        )
        if current.current_period_end is not None:
            end = day(current.current_period_end, zone, locale)
            lines.append(
                fmt(
                    (
                        _("Ends on {date}")
                        if current.cancel_at_period_end
                        else _("Next payment: {date}")
                    ),
                    date=end,
                )
            )
    if view.settings.require_subscription:
        lines.append(_("Coaching access: yes") if view.has_access else _("Coaching access: paused"))
    lines.append(fmt(_("Paid so far: {total}"), total=totals(view.revenue, locale)))
    if view.payments:
        lines.append("")
        lines += [payment_line(p, viewer) for p in view.payments]
    return stack(lines)


def render_draft(draft: RefundDraft, viewer: User) -> str:
    amount = money(draft.refund.amount, draft.refund.currency, viewer.language)
    name = draft.client.display_name if draft.client else (draft.payment.customer_email or "")
    return fmt(
        _("Refund {amount} to {name} for {package}? This cannot be undone."),
        amount=amount,
        name=escape(name),
        package=escape(draft.payment.description),
    )
