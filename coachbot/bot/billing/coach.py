"""The coach's billing: the billing menu (packages, revenue, rules) and a client's plan
and payments on their card (send a package; pause, resume, cancel or change the
subscription). Refunds are in `refund`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.billing.keyboards import (
    client_billing_keyboard,
    new_package_button,
    package_choices,
    rules_keyboard,
)
from coachbot.bot.billing.package_setup import package_keyboard
from coachbot.bot.billing.texts import render_client_billing, render_package, render_rules, totals
from coachbot.bot.callbacks import (
    CONFIRMED,
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
    SubscriptionCb,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, stack
from coachbot.bot.replies import answer_query
from coachbot.domain.billing.admin import (
    ChangeSubscription,
    ClientRef,
    SetBillingRules,
    ShowClientBillingUseCase,
)
from coachbot.domain.billing.model import SubscriptionChange
from coachbot.domain.billing.packages import PackageRef
from coachbot.domain.billing.sales import PackagesForSale, PackagesForSaleUseCase, SendPackage
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())


# -- the billing menu -------------------------------------------------------------------


@router.callback_query(MenuCb.filter(F.action == MenuAction.billing))
async def billing_menu(query: CallbackQuery, uc: UseCases) -> None:
    if not uc.billing.configured:
        await answer_query(
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
    await answer_query(
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
    await answer_query(query, text, builder.as_markup())


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
    await answer_query(
        query, render_package(package, identity.user.language), package_keyboard(package)
    )


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
    await answer_query(
        query,
        fmt(
            _("Archived: {name} is no longer sold. Running subscriptions continue."),
            name=escape(package.name),
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
    await answer_query(
        query,
        fmt(
            _("Share this link anywhere; whoever pays shows up in your revenue:\n{url}"),
            url=escape(package.payment_link_url),
        ),
        builder.as_markup(),
    )


@router.callback_query(BillingCb.filter(F.action == BillingAction.revenue))
async def show_revenue(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    result = await uc.billing.revenue(identity.coach_id)
    locale = identity.user.language
    lines: list[str] = [
        fmt(_("<b>Revenue</b> (paid minus refunds): {total}"), total=totals(result.total, locale))
    ]
    builder = InlineKeyboardBuilder()
    for entry in result.clients:
        name = entry.name or _("Payment link buyers")
        lines.append(fmt("• {name}: {total}", name=name, total=totals(entry.revenue, locale)))
        if entry.client_id:
            builder.button(text=name, callback_data=ClientBillingCb(client_id=entry.client_id))
    if not result.clients:
        lines.append(_("No payments yet."))
    builder.adjust(2)
    await answer_query(query, stack(lines), builder.as_markup() if result.clients else None)


# -- rules ------------------------------------------------------------------------------


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
        await answer_query(query, render_rules(settings), rules_keyboard(settings))
        return
    await query.message.edit_text(render_rules(settings), reply_markup=rules_keyboard(settings))


# -- a client's billing -----------------------------------------------------------------


async def _show_client_billing(
    query: CallbackQuery, identity: Identity, client_id: int, show: ShowClientBillingUseCase
) -> None:
    view = await show(ClientRef(coach_id=identity.coach_id, client_id=client_id))
    await answer_query(
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
        await answer_query(query, _("You have no packages to send yet."), builder.as_markup())
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
    await answer_query(query, _("Which package?"), builder.as_markup())


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
    await answer_query(
        query,
        fmt(
            _(
                "Sent {package} to {name} ✅ They get a Pay button, then pay on a secure "
                "checkout page; you will be told when they have paid."
            ),
            package=escape(package.name),
            name=escape(client.display_name),
        ),
    )


# -- subscription changes ---------------------------------------------------------------


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
        await answer_query(
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
        await answer_query(query, _("You have no recurring packages to switch to."))
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
    await answer_query(
        query, _("Switch to which plan? The difference is prorated."), builder.as_markup()
    )
