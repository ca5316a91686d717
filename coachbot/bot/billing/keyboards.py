"""The coach's billing keyboards: package choices, payment rules, a client's plan and
the refund confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.billing.texts import day, money, package_button
from coachbot.bot.callbacks import (
    BillingAction,
    BillingCb,
    ClientBillingAction,
    ClientBillingCb,
    ClientCardCb,
    PaymentCb,
    RefundCb,
    SubscriptionCb,
)
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import plain
from coachbot.domain.billing.admin import ClientBilling, RefundDraft
from coachbot.domain.billing.model import BillingSettings, Package, Subscription, SubscriptionChange
from coachbot.domain.people.model import User

GRACE_CHOICES = (0, 3, 7, 14)


def package_choices(
    packages: Iterable[Package], locale: str, choose: Callable[[Package], CallbackData]
) -> InlineKeyboardBuilder:
    """A button a package (name and price), pressing it sends `choose(package)`."""
    builder = InlineKeyboardBuilder()
    for package in packages:
        builder.button(text=package_button(package, locale), callback_data=choose(package))
    return builder


def new_package_button(builder: InlineKeyboardBuilder) -> None:
    builder.button(
        text=_("➕ New package"), callback_data=BillingCb(action=BillingAction.new_package)
    )


def rules_keyboard(settings: BillingSettings) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Don't require payment") if settings.require_subscription else _("Require payment"),
        callback_data=BillingCb(action=BillingAction.require),
    )
    if settings.require_subscription:
        for days in GRACE_CHOICES:
            mark = "✅ " if days == settings.grace_days else ""
            builder.button(
                text=mark + plain(_("{count} days grace"), count=days),
                callback_data=BillingCb(action=BillingAction.grace, value=str(days)),
            )
    builder.adjust(1, 2, 2)
    return builder.as_markup()


def client_billing_keyboard(view: ClientBilling, viewer: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    client_id = view.client.id or 0
    widths = []
    builder.button(
        text=_("📦 Send a package"),
        callback_data=ClientBillingCb(client_id=client_id, action=ClientBillingAction.offer),
    )
    widths.append(1)
    current = view.current
    if current is not None:
        actions = subscription_actions(current)
        for label, change in actions:
            builder.button(
                text=label,
                callback_data=SubscriptionCb(subscription_id=current.id or 0, change=change),
            )
        widths += [2] * (len(actions) // 2) + [1] * (len(actions) % 2)  # two a row
    for payment in view.payments[:5]:
        amount = money(payment.amount, payment.currency, viewer.language)
        when = day(payment.paid_at or payment.created_at, viewer.timezone, viewer.language)
        builder.button(
            text=f"🧾 {when} · {amount}", callback_data=PaymentCb(payment_id=payment.id or 0)
        )
        widths.append(1)
    builder.button(text=_("⬅ Client"), callback_data=ClientCardCb(client_id=client_id))
    widths.append(1)
    builder.adjust(*widths)
    return builder.as_markup()


def subscription_actions(subscription: Subscription) -> list[tuple[str, str]]:
    actions = []
    if subscription.paused:
        actions.append((_("▶️ Resume payments"), SubscriptionChange.resume.value))
    else:
        actions.append((_("⏸ Pause payments"), SubscriptionChange.pause.value))
    if subscription.cancel_at_period_end:
        actions.append((_("↩️ Keep subscription"), SubscriptionChange.keep.value))
    else:
        actions.append(
            (_("🛑 Cancel at period end"), SubscriptionChange.cancel_at_period_end.value)
        )
    actions.append((_("❌ Cancel now"), SubscriptionChange.cancel_now.value))
    actions.append((_("🔁 Change plan"), SubscriptionChange.change_price.value))
    return actions


def confirm_keyboard(draft: RefundDraft) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    refund_id = draft.refund.id or 0
    builder.button(text=_("✅ Refund"), callback_data=RefundCb(refund_id=refund_id, confirm=True))
    builder.button(text=_("Cancel"), callback_data=RefundCb(refund_id=refund_id, confirm=False))
    return builder.as_markup()
