"""The coach's billing: the billing menu (packages, revenue, rules), a client's plan and
payments on their card (send a package; pause, resume, cancel or change the
subscription), and refunds from the payment history with a confirmation step."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.billing.package_setup import package_keyboard, refusal
from coachbot.bot.billing.texts import (
    day,
    money,
    package_button,
    package_line,
    payment_line,
    render_package,
    subscription_status,
    totals,
)
from coachbot.bot.callbacks import (
    BillingAction,
    BillingCb,
    CancelCb,
    ClientAction,
    ClientBillingAction,
    ClientBillingCb,
    ClientCardCb,
    MenuAction,
    MenuCb,
    PackageAction,
    PackageCb,
    PaymentAction,
    PaymentCb,
    RefundCb,
    SubscriptionCb,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.texts import escape
from coachbot.domain.billing.admin import (
    ChangeSubscription,
    ClientBilling,
    ClientRef,
    DecideRefund,
    PaymentRef,
    PrepareRefund,
    RefundDraft,
    SetBillingRules,
    ShowClientBillingUseCase,
)
from coachbot.domain.billing.model import (
    BillingSettings,
    Package,
    RefundStatus,
    Subscription,
    SubscriptionChange,
)
from coachbot.domain.billing.packages import (
    PackageRef,
)
from coachbot.domain.billing.sales import (
    PackagesForSale,
    PackagesForSaleUseCase,
    SendPackage,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

GRACE_CHOICES = (0, 3, 7, 14)


class RefundForm(StatesGroup):
    amount = State()


async def _answer(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None):
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)


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


# -- the billing menu -------------------------------------------------------------------


@router.callback_query(MenuCb.filter(F.action == MenuAction.billing))
async def billing_menu(query: CallbackQuery, uc: UseCases) -> None:
    if not uc.billing.configured:
        await _answer(
            query,
            _(
                "Billing is not configured on this bot yet: the operator has to set "
                "STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET."
            ),
        )
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📦 Packages"), callback_data=BillingCb(action=BillingAction.packages))
    builder.button(text=_("💶 Revenue"), callback_data=BillingCb(action=BillingAction.revenue))
    builder.button(text=_("⚙️ Payment rules"), callback_data=BillingCb(action=BillingAction.rules))
    builder.adjust(1)
    await _answer(
        query,
        _(
            "Billing: sell packages, see what clients paid, refund, and decide whether coaching "
            "needs an active subscription."
        ),
        builder.as_markup(),
    )


@router.callback_query(BillingCb.filter(F.action == BillingAction.packages))
async def list_packages(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    packages = await uc.billing.list_packages(identity.coach_id)
    builder = package_choices(
        packages, identity.user.language, lambda package: PackageCb(package_id=package.id or 0)
    )
    new_package_button(builder)
    builder.adjust(1)
    text = _("Your packages:") if packages else _("You have no packages yet.")
    await _answer(query, text, builder.as_markup())


@router.callback_query(PackageCb.filter(F.action == PackageAction.show))
async def show_package(
    query: CallbackQuery,
    callback_data: PackageCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    package = await uc.billing.show_package(
        PackageRef(coach_id=identity.coach_id, package_id=callback_data.package_id)
    )
    await _answer(query, render_package(package, identity.user.language), package_keyboard(package))


@router.callback_query(PackageCb.filter(F.action == PackageAction.archive))
async def archive_package(
    query: CallbackQuery,
    callback_data: PackageCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    package = await uc.billing.archive_package(
        PackageRef(coach_id=identity.coach_id, package_id=callback_data.package_id)
    )
    await _answer(
        query,
        _("Archived: {name} is no longer sold. Running subscriptions continue.").format(
            name=escape(package.name)
        ),
    )


@router.callback_query(PackageCb.filter(F.action == PackageAction.link))
async def payment_link(
    query: CallbackQuery,
    callback_data: PackageCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    package = await uc.billing.payment_link(
        PackageRef(coach_id=identity.coach_id, package_id=callback_data.package_id)
    )
    assert package.payment_link_url is not None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔗 Open"), url=package.payment_link_url)
    await _answer(
        query,
        _("Share this link anywhere; whoever pays shows up in your revenue:\n{url}").format(
            url=escape(package.payment_link_url)
        ),
        builder.as_markup(),
    )


@router.callback_query(BillingCb.filter(F.action == BillingAction.revenue))
async def show_revenue(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    result = await uc.billing.revenue(identity.coach_id)
    locale = identity.user.language
    lines = [
        _("<b>Revenue</b> (paid minus refunds): {total}").format(total=totals(result.total, locale))
    ]
    builder = InlineKeyboardBuilder()
    for entry in result.clients:
        name = entry.name or _("Payment link buyers")
        lines.append(f"• {escape(name)}: {totals(entry.revenue, locale)}")
        if entry.client_id:
            builder.button(text=name, callback_data=ClientBillingCb(client_id=entry.client_id))
    if not result.clients:
        lines.append(_("No payments yet."))
    builder.adjust(2)
    await _answer(query, "\n".join(lines), builder.as_markup() if result.clients else None)


# -- rules ------------------------------------------------------------------------------


def render_rules(settings: BillingSettings) -> str:
    if not settings.require_subscription:
        return _(
            "Coaching does not depend on payment: clients keep check-ins whether they pay or not."
        )
    return _(
        "Coaching needs an active subscription. After a failed payment clients keep access "
        "for {days} day(s); it comes back as soon as they pay."
    ).format(days=settings.grace_days)


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
                text=mark + _("{count} days grace").format(count=days),
                callback_data=BillingCb(action=BillingAction.grace, value=str(days)),
            )
    builder.adjust(1, 2, 2)
    return builder.as_markup()


@router.callback_query(
    BillingCb.filter(
        F.action.in_({BillingAction.rules, BillingAction.require, BillingAction.grace})
    )
)
async def billing_rules(
    query: CallbackQuery,
    callback_data: BillingCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    change = SetBillingRules(coach_id=identity.coach_id)  # none: show the rules
    if callback_data.action is BillingAction.require:
        current = await uc.billing.billing_rules(change)
        change = SetBillingRules(
            coach_id=identity.coach_id, require_subscription=not current.require_subscription
        )
    elif callback_data.action is BillingAction.grace and callback_data.value.isdigit():
        change = SetBillingRules(coach_id=identity.coach_id, grace_days=int(callback_data.value))
    settings = await uc.billing.billing_rules(change)
    if callback_data.action is BillingAction.rules or not isinstance(query.message, Message):
        await _answer(query, render_rules(settings), rules_keyboard(settings))
        return
    await query.message.edit_text(render_rules(settings), reply_markup=rules_keyboard(settings))


# -- a client's billing -----------------------------------------------------------------


def render_client_billing(view: ClientBilling, viewer: User) -> str:
    locale, zone = viewer.language, viewer.timezone
    lines = [_("💳 <b>{name}</b>: billing").format(name=escape(view.client.display_name))]
    current = view.current
    if current is None:
        lines.append(_("No subscription."))
    else:
        package = view.packages.get(current.package_id or 0)
        if package is not None:
            lines.append(package_line(package, locale))
        lines.append(
            _("Status: {status}").format(status=subscription_status(current.status, current.paused))
        )
        if current.current_period_end is not None:
            end = day(current.current_period_end, zone, locale)
            lines.append(
                (
                    _("Ends on {date}")
                    if current.cancel_at_period_end
                    else _("Next payment: {date}")
                ).format(date=end)
            )
    if view.settings.require_subscription:
        lines.append(_("Coaching access: yes") if view.has_access else _("Coaching access: paused"))
    lines.append(_("Paid so far: {total}").format(total=totals(view.revenue, locale)))
    if view.payments:
        lines.append("")
        lines += [payment_line(p, viewer) for p in view.payments]
    return "\n".join(lines)


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


async def _show_client_billing(
    query: CallbackQuery, identity: Identity, client_id: int, show: ShowClientBillingUseCase
) -> None:
    view = await show(ClientRef(coach_id=identity.coach_id, client_id=client_id))
    await _answer(
        query,
        render_client_billing(view, identity.user),
        client_billing_keyboard(view, identity.user),
    )


@router.callback_query(ClientCardCb.filter(F.action == ClientAction.billing))
@router.callback_query(ClientBillingCb.filter(F.action == ClientBillingAction.show))
async def client_billing(
    query: CallbackQuery,
    callback_data: ClientCardCb | ClientBillingCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    """From the client's card, or from a notice about one of their payments."""
    await _show_client_billing(
        query, identity, callback_data.client_id, uc.billing.show_client_billing
    )


@router.callback_query(ClientBillingCb.filter(F.action == ClientBillingAction.offer))
async def choose_package_to_send(
    query: CallbackQuery,
    callback_data: ClientBillingCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    # Ownership of the client is checked now, not only when the package is sent.
    packages = await uc.billing.packages_for_sale(
        PackagesForSale(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    if not packages:
        builder = InlineKeyboardBuilder()
        new_package_button(builder)
        await _answer(query, _("You have no packages to send yet."), builder.as_markup())
        return
    builder = package_choices(
        packages,
        identity.user.language,
        lambda package: ClientBillingCb(
            client_id=callback_data.client_id,
            action=ClientBillingAction.send,
            value=str(package.id),
        ),
    )
    builder.adjust(1)
    await _answer(query, _("Which package?"), builder.as_markup())


@router.callback_query(ClientBillingCb.filter(F.action == ClientBillingAction.send))
async def send_package(
    query: CallbackQuery,
    callback_data: ClientBillingCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    if not callback_data.value.isdigit():
        return
    client, package = await uc.billing.send_package(
        SendPackage(
            coach_id=identity.coach_id,
            client_id=callback_data.client_id,
            package_id=int(callback_data.value),
        )
    )
    await _answer(
        query,
        _(
            "Sent {package} to {name} ✅ They get a Pay button, then pay on a secure "
            "checkout page; you will be told when they have paid."
        ).format(package=escape(package.name), name=escape(client.display_name)),
    )


# -- subscription changes ---------------------------------------------------------------

CONFIRMED = "yes"


@router.callback_query(SubscriptionCb.filter())
async def change_subscription(
    query: CallbackQuery,
    callback_data: SubscriptionCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        change = SubscriptionChange(callback_data.change)
    except ValueError:
        return
    if change is SubscriptionChange.cancel_now and callback_data.value != CONFIRMED:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("❌ Yes, cancel now"),
            callback_data=SubscriptionCb(
                subscription_id=callback_data.subscription_id, change=change, value=CONFIRMED
            ),
        )
        builder.button(text=_("Keep it"), callback_data=CancelCb())
        await _answer(
            query,
            _("Cancel the subscription now? It ends today and nothing more is charged."),
            builder.as_markup(),
        )
        return
    package_id = None
    if change is SubscriptionChange.change_price:
        if not callback_data.value.isdigit():
            await _choose_plan(query, callback_data, identity, uc.billing.packages_for_sale)
            return
        package_id = int(callback_data.value)
    subscription = await uc.billing.change_subscription(
        ChangeSubscription(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            subscription_id=callback_data.subscription_id,
            change=change,
            package_id=package_id,
        )
    )
    callback_answer.text = _("Done ✅")
    await _show_client_billing(
        query, identity, subscription.client_id, uc.billing.show_client_billing
    )


async def _choose_plan(
    query: CallbackQuery,
    callback_data: SubscriptionCb,
    identity: Identity,
    packages_for_sale: PackagesForSaleUseCase,
) -> None:
    packages = await packages_for_sale(PackagesForSale(coach_id=identity.coach_id, plans_only=True))
    if not packages:
        await _answer(query, _("You have no recurring packages to switch to."))
        return
    builder = package_choices(
        packages,
        identity.user.language,
        lambda package: SubscriptionCb(
            subscription_id=callback_data.subscription_id,
            change=SubscriptionChange.change_price.value,
            value=str(package.id),
        ),
    )
    builder.adjust(1)
    await _answer(
        query, _("Switch to which plan? The difference is prorated."), builder.as_markup()
    )


# -- payments and refunds ---------------------------------------------------------------


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.show))
async def show_payment(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    view = await uc.billing.show_payment(
        PaymentRef(coach_id=identity.coach_id, payment_id=callback_data.payment_id)
    )
    payment, viewer = view.payment, identity.user
    locale = viewer.language
    lines = [payment_line(payment, viewer)]
    if view.client is not None:
        lines.insert(0, f"<b>{escape(view.client.display_name)}</b>")
    elif payment.customer_email:
        lines.insert(0, escape(payment.customer_email))
    if payment.refunded_amount:
        lines.append(
            _("Refunded: {amount}").format(
                amount=money(payment.refunded_amount, payment.currency, locale)
            )
        )
    builder = InlineKeyboardBuilder()
    if payment.hosted_invoice_url:
        builder.button(text=_("🧾 Invoice"), url=payment.hosted_invoice_url)
    if payment.invoice_pdf_url:
        builder.button(text=_("📄 PDF"), url=payment.invoice_pdf_url)
    if payment.refundable > 0:
        builder.button(
            text=_("↩️ Refund all"),
            callback_data=PaymentCb(payment_id=payment.id or 0, action=PaymentAction.refund_all),
        )
        builder.button(
            text=_("↩️ Refund part"),
            callback_data=PaymentCb(payment_id=payment.id or 0, action=PaymentAction.refund_part),
        )
    builder.adjust(2)
    await _answer(query, "\n".join(lines), builder.as_markup())


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.refund_all))
async def refund_all(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    draft = await uc.billing.prepare_refund(
        PrepareRefund(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            payment_id=callback_data.payment_id,
        )
    )
    await _answer(query, render_draft(draft, identity.user), confirm_keyboard(draft))


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.refund_part))
async def ask_refund_amount(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    view = await uc.billing.show_payment(
        PaymentRef(coach_id=identity.coach_id, payment_id=callback_data.payment_id)
    )
    await state.set_state(RefundForm.amount)
    await state.update_data(payment_id=view.payment.id)
    left = money(view.payment.refundable, view.payment.currency, identity.user.language)
    await _answer(
        query,
        _("How much should be refunded? Up to {amount}.").format(amount=left),
        keyboards.cancel_only(),
    )


@router.message(RefundForm.amount, F.text)
async def refund_amount_typed(
    message: Message, identity: Identity, uc: UseCases, state: FSMContext
) -> None:
    payment_id = (await state.get_data())["payment_id"]
    try:
        draft = await uc.billing.prepare_refund(
            PrepareRefund(
                coach_id=identity.coach_id,
                actor_user_id=identity.user_id,
                payment_id=payment_id,
                amount=message.text or "",
                locale=identity.user.language,
            )
        )
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.clear()
    await message.answer(render_draft(draft, identity.user), reply_markup=confirm_keyboard(draft))


def render_draft(draft: RefundDraft, viewer: User) -> str:
    amount = money(draft.refund.amount, draft.refund.currency, viewer.language)
    name = draft.client.display_name if draft.client else (draft.payment.customer_email or "")
    return _("Refund {amount} to {name} for {package}? This cannot be undone.").format(
        amount=amount, name=escape(name), package=escape(draft.payment.description)
    )


def confirm_keyboard(draft: RefundDraft) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    refund_id = draft.refund.id or 0
    builder.button(text=_("✅ Refund"), callback_data=RefundCb(refund_id=refund_id, confirm=True))
    builder.button(text=_("Cancel"), callback_data=RefundCb(refund_id=refund_id, confirm=False))
    return builder.as_markup()


@router.callback_query(RefundCb.filter())
async def decide_refund(
    query: CallbackQuery,
    callback_data: RefundCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    draft = await uc.billing.decide_refund(
        DecideRefund(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            refund_id=callback_data.refund_id,
            confirm=callback_data.confirm,
        )
    )
    amount = money(draft.refund.amount, draft.refund.currency, identity.user.language)
    if draft.refund.status is RefundStatus.succeeded:
        text = _("Refunded {amount} ✅ The client was told.").format(amount=amount)
    else:
        text = _("Refund cancelled. Nothing was refunded.")
    if not draft.decided_now:  # a second press: the message already says so
        callback_answer.text = text
    elif isinstance(query.message, Message):
        await query.message.edit_text(text)
