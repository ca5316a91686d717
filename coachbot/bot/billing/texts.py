"""How billing looks in chat: amounts in the reader's language (Babel), billing periods,
statuses and dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency

from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.texts import escape
from coachbot.domain.billing.model import Package, Payment, PaymentStatus, SubscriptionStatus
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
        return _("{price} once").format(price=price)
    labels = {
        "week": _("{price} per week"),
        "month": _("{price} per month"),
        "year": _("{price} per year"),
    }
    return labels[interval].format(price=price)


def interval_label(interval: str | None) -> str:
    labels = {
        None: _("One-off"),
        "week": _("Weekly"),
        "month": _("Monthly"),
        "year": _("Yearly"),
    }
    return labels[interval]


def trial_label(days: int) -> str:
    return ngettext("{count}-day free trial", "{count}-day free trial", days).format(count=days)


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
    return f"{escape(package.name)} · {package_price(package, locale)}"


def render_package(package: Package, locale: str) -> str:
    lines = [f"<b>{escape(package.name)}</b>", package_price(package, locale)]
    if package.trial_days:
        lines.append(trial_label(package.trial_days))
    if package.description:
        lines.append(escape(package.description))
    if package.payment_link_url:
        lines.append(_("Payment link: {url}").format(url=escape(package.payment_link_url)))
    if package.archived:
        lines.append(_("Archived: no longer sold."))
    elif not package.published:
        lines.append(_("Not published to Stripe yet: open it and try again."))
    return "\n".join(lines)


def package_button(package: Package, locale: str) -> str:
    return f"{package.name} · {package_price(package, locale)}"


def payment_line(payment: Payment, viewer: User) -> str:
    """• date · amount · package · status, in the viewer's zone and language."""
    amount = money(payment.amount, payment.currency, viewer.language)
    status = payment_status(payment.status, payment.refunded_amount, payment.amount)
    when = day(payment.paid_at or payment.created_at, viewer.timezone, viewer.language)
    return f"• {when} · {amount} · {escape(payment.description)} · {status}"
