"""The client's billing: /billing (plan, status, next payment, payments and invoices),
paying for a package the coach sent, the customer portal to change card or cancel, and
renewing a plan cancelled at the end of its period."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.billing.texts import day, package_line, payment_line
from coachbot.bot.billing.texts import subscription_status as status_text
from coachbot.bot.callbacks import BuyCb, MyBillingCb, PortalCb, RenewCb
from coachbot.bot.filters import IsClient
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, join, link, stack
from coachbot.domain.billing.model import Payment
from coachbot.domain.billing.sales import (
    ClientPlan,
    OpenCheckout,
    OpenPortal,
    RenewSubscription,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


@router.message(Command("billing"), IsClient())
async def show_my_billing(
    message: Message,
    identity: Identity,
    uc: UseCases,
) -> None:
    if not uc.billing.configured:
        await message.answer(_("Billing is not configured on this bot yet."))
        return
    plans = await uc.billing.show_my_billing(identity.user_id)
    for plan in plans:
        await message.answer(render_plan(plan, identity.user), reply_markup=plan_keyboard(plan))


@router.callback_query(MyBillingCb.filter(), IsClient())
async def show_my_billing_button(
    query: CallbackQuery,
    identity: Identity,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        await show_my_billing(query.message, identity, uc)


def render_plan(plan: ClientPlan, user: User) -> str:
    lines: list[str] = [fmt(_("<b>Your plan with {coach}</b>"), coach=escape(plan.coach_name))]
    subscription, locale = plan.subscription, user.language
    if subscription is None:
        lines.append(_("No subscription yet."))
    else:
        if plan.package is not None:
            lines.append(package_line(plan.package, locale))
        lines.append(
            fmt(_("Status: {status}"), status=status_text(subscription.status, subscription.paused))
        )
        end = subscription.current_period_end
        if end is not None and not subscription.ended:
            if subscription.cancel_at_period_end:
                text = _("Ends on {date}; no further payments.")
            elif subscription.paused:
                text = _("Payments are paused by your coach.")
            else:
                text = _("Next payment: {date}")
            lines.append(fmt(text, date=day(end, user.timezone, locale)))
    if plan.requires_subscription and not plan.has_access:
        lines.append(_("⏸ Your coaching is paused until a payment goes through."))
    if plan.payments:
        lines.append("")
        lines.append(_("<b>Payments</b>"))
        lines += [payment_with_links(p, user) for p in plan.payments]
    return stack(lines)


def payment_with_links(payment: Payment, user: User) -> str:
    line = payment_line(payment, user)
    links = []
    if payment.hosted_invoice_url:
        links.append(link(payment.hosted_invoice_url, _("invoice")))
    if payment.invoice_pdf_url:
        links.append(link(payment.invoice_pdf_url, "PDF"))
    return line + (fmt(" ({links})", links=join(", ", links)) if links else "")


def plan_keyboard(plan: ClientPlan) -> InlineKeyboardMarkup | None:
    if plan.subscription is None and not plan.payments:
        return None
    builder = InlineKeyboardBuilder()
    client_id = plan.client.id or 0
    subscription = plan.subscription
    if subscription is not None and subscription.cancel_at_period_end and not subscription.ended:
        builder.button(text=_("🔄 Renew"), callback_data=RenewCb(client_id=client_id))
    else:
        builder.button(
            text=_("💳 Change card or cancel"), callback_data=PortalCb(client_id=client_id)
        )
    return builder.as_markup()


@router.callback_query(RenewCb.filter(), IsClient())
async def renew(
    query: CallbackQuery,
    callback_data: RenewCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    await uc.billing.renew_subscription(
        RenewSubscription(user_id=identity.user_id, client_id=callback_data.client_id)
    )
    callback_answer.text = _("Renewed: your plan continues.")
    plans = await uc.billing.show_my_billing(identity.user_id)
    plan = next((p for p in plans if p.client.id == callback_data.client_id), None)
    if plan is not None and isinstance(query.message, Message):
        await query.message.answer(
            render_plan(plan, identity.user), reply_markup=plan_keyboard(plan)
        )


@router.callback_query(BuyCb.filter())
async def open_checkout(
    query: CallbackQuery,
    callback_data: BuyCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    url = await uc.billing.open_checkout(
        OpenCheckout(user_id=identity.user_id, checkout_id=callback_data.checkout_id)
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔒 Open secure checkout"), url=url)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Your checkout is ready. Payment is handled by Stripe."),
            reply_markup=builder.as_markup(),
        )


@router.callback_query(PortalCb.filter())
async def open_portal(
    query: CallbackQuery,
    callback_data: PortalCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    url = await uc.billing.open_portal(
        OpenPortal(user_id=identity.user_id, client_id=callback_data.client_id)
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💳 Open billing portal"), url=url)
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Change your card, see invoices or cancel in the billing portal "
                "(the link works for a few minutes)."
            ),
            reply_markup=builder.as_markup(),
        )
