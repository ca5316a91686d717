"""A coach creates a coaching package (name, description, currency, price, one-off or
recurring, free trial) or changes a package's name, description or price."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import is_currency

from coachbot.bot import keyboards
from coachbot.bot.billing.texts import CURRENCY_CHOICES, interval_label, money, render_package
from coachbot.bot.callbacks import (
    BillingAction,
    BillingCb,
    CancelCb,
    PackageAction,
    PackageCb,
    PackageSetupCb,
    SkipCb,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import current_language
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt
from coachbot.domain.billing.model import MAX_TRIAL_DAYS, Interval, Package
from coachbot.domain.billing.money import Money, clean_currency, exponent
from coachbot.domain.billing.packages import (
    MAX_DESCRIPTION,
    MAX_NAME,
    CreatePackage,
    CreatePackageUseCase,
    EditPackage,
    PackageRef,
    clean_description,
    clean_package_name,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

TRIAL_CHOICES = (0, 7, 14, 30)


class PackageForm(StatesGroup):
    name = State()
    description = State()
    currency = State()
    price = State()
    interval = State()
    trial = State()
    edit_name = State()
    edit_description = State()
    edit_price = State()


class PackageData(TypedDict, total=False):
    name: str
    description: str
    currency: str
    price: str
    interval: str  # "" for one-off
    package_id: int  # the package being edited


def refusal(error: InvalidDetailError) -> str:
    if (error.field, error.code) == ("amount", "out_of_range"):
        maximum = error.limits["maximum"]
        assert isinstance(maximum, Money)
        return fmt(
            _("Please send a price above zero and at most {maximum}."),
            maximum=money(maximum.amount, maximum.currency, current_language()),
        )
    return {
        ("package_name", "length"): fmt(
            _("Please send a name of 1 to {count} characters."), count=MAX_NAME
        ),
        ("description", "length"): fmt(
            _("The description can be {count} characters at most."), count=MAX_DESCRIPTION
        ),
        ("currency", "invalid"): _("Please send a three-letter currency code, like EUR or USD."),
        ("amount", "invalid"): _("Please send the price as a number, like 49 or 49.90."),
        ("amount", "too_precise"): _("That currency has no smaller unit than that."),
        ("trial_days", "out_of_range"): fmt(
            _("A free trial can last up to {count} days."), count=MAX_TRIAL_DAYS
        ),
    }.get((error.field, error.code), _("Please check that and send it again."))


@router.callback_query(BillingCb.filter(F.action == BillingAction.new_package))
async def start_package(query: CallbackQuery, state: FSMContext, uc: UseCases) -> None:
    if not isinstance(query.message, Message):
        return
    if not uc.billing.configured:
        await query.message.answer(_("Billing is not configured on this bot yet."))
        return
    await state.clear()
    await state.set_state(PackageForm.name)
    await query.message.answer(
        _("What is the package called? For example: 12-week transformation."),
        reply_markup=keyboards.cancel_only(),
    )


@router.message(PackageForm.name, F.text)
async def name_typed(message: Message, state: FSMContext) -> None:
    try:
        name = clean_package_name(message.text or "")
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.update_data(name=name)
    await state.set_state(PackageForm.description)
    await message.answer(
        _("Describe what the client gets (optional)."), reply_markup=keyboards.skip_or_cancel()
    )


@router.message(PackageForm.description, F.text)
async def description_typed(message: Message, state: FSMContext) -> None:
    try:
        description = clean_description(message.text or "")
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.update_data(description=description)
    await ask_currency(message, state)


@router.callback_query(PackageForm.description, SkipCb.filter())
async def description_skipped(query: CallbackQuery, state: FSMContext) -> None:
    await state.update_data(description="")
    if isinstance(query.message, Message):
        await ask_currency(query.message, state)


def choices(field: str, options: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """The `options` (label, value) for `field` in one row, and Cancel below."""
    builder = InlineKeyboardBuilder()
    for label, value in options:
        builder.button(text=label, callback_data=PackageSetupCb(field=field, value=value))
    builder.button(text=_("Cancel"), callback_data=CancelCb())
    builder.adjust(len(options), 1)
    return builder.as_markup()


async def ask_currency(message: Message, state: FSMContext) -> None:
    await state.set_state(PackageForm.currency)
    await message.answer(
        _("In which currency? Tap one or send its code."),
        reply_markup=choices("currency", [(code.upper(), code) for code in CURRENCY_CHOICES]),
    )


@router.callback_query(PackageForm.currency, PackageSetupCb.filter(F.field == "currency"))
async def currency_picked(
    query: CallbackQuery, callback_data: PackageSetupCb, state: FSMContext
) -> None:
    if isinstance(query.message, Message):
        await currency_chosen(query.message, state, callback_data.value)


@router.message(PackageForm.currency, F.text)
async def currency_typed(message: Message, state: FSMContext) -> None:
    await currency_chosen(message, state, message.text or "")


async def currency_chosen(message: Message, state: FSMContext, text: str) -> None:
    try:
        currency = clean_currency(text)
        if not is_currency(currency.upper()):
            raise InvalidDetailError("currency", "invalid")
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.update_data(currency=currency)
    await state.set_state(PackageForm.price)
    example = "4900" if exponent(currency) == 0 else "49.90"
    await message.answer(
        fmt(
            _("What does it cost, in {currency}? For example {example}."),
            currency=currency.upper(),
            example=example,
        ),
        reply_markup=keyboards.cancel_only(),
    )


@router.message(PackageForm.price, F.text)
async def price_typed(message: Message, state: FSMContext, identity: Identity) -> None:
    data: PackageData = await state.get_data()  # type: ignore[assignment]
    try:
        Money.parse(message.text or "", data["currency"], identity.user.language)
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.update_data(price=message.text or "")
    await state.set_state(PackageForm.interval)
    intervals = [(interval_label(None), "")]
    intervals += [(interval_label(interval.value), interval.value) for interval in Interval]
    await message.answer(
        _("One-off payment, or recurring?"), reply_markup=choices("interval", intervals)
    )


@router.callback_query(PackageForm.interval, PackageSetupCb.filter(F.field == "interval"))
async def interval_picked(
    query: CallbackQuery,
    callback_data: PackageSetupCb,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
) -> None:
    if not isinstance(query.message, Message):
        return
    if callback_data.value not in ("", *Interval):
        return
    await state.update_data(interval=callback_data.value)
    if not callback_data.value:
        await finish(query.message, state, identity, uc.billing.create_package, trial_days=0)
        return
    await state.set_state(PackageForm.trial)
    trials = [
        (_("No trial") if days == 0 else fmt(_("{count} days"), count=days), str(days))
        for days in TRIAL_CHOICES
    ]
    await query.message.answer(
        _("A free trial before the first payment? Tap one or send a number of days."),
        reply_markup=choices("trial", trials),
    )


@router.callback_query(PackageForm.trial, PackageSetupCb.filter(F.field == "trial"))
async def trial_picked(
    query: CallbackQuery,
    callback_data: PackageSetupCb,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message) and callback_data.value.isdigit():
        await finish(
            query.message, state, identity, uc.billing.create_package, int(callback_data.value)
        )


@router.message(PackageForm.trial, F.text)
async def trial_typed(
    message: Message, state: FSMContext, identity: Identity, uc: UseCases
) -> None:
    text = (message.text or "").strip()
    if not text.isdigit():
        await message.answer(_("Please send a whole number of days, or 0 for no trial."))
        return
    await finish(message, state, identity, uc.billing.create_package, int(text))


async def finish(
    message: Message,
    state: FSMContext,
    identity: Identity,
    create_package: CreatePackageUseCase,
    trial_days: int,
) -> None:
    data: PackageData = await state.get_data()  # type: ignore[assignment]
    try:
        package = await create_package(
            CreatePackage(
                coach_id=identity.coach_id,
                name=data["name"],
                description=data.get("description", ""),
                price=data["price"],
                currency=data["currency"],
                interval=Interval(data["interval"]) if data.get("interval") else None,
                trial_days=trial_days,
                locale=identity.user.language,
            )
        )
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.clear()
    await message.answer(
        _("Package saved ✅") + "\n\n" + render_package(package, identity.user.language),
        reply_markup=package_keyboard(package),
    )


def package_keyboard(package: Package) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    package_id = package.id or 0
    if not package.archived:
        for label, action in (
            (_("✏️ Name"), PackageAction.name),
            (_("✏️ Description"), PackageAction.description),
            (_("💲 Price"), PackageAction.price),
            (_("🔗 Payment link"), PackageAction.link),
            (_("🗄 Archive"), PackageAction.archive),
        ):
            builder.button(
                text=label, callback_data=PackageCb(package_id=package_id, action=action)
            )
    builder.button(text=_("⬅ Packages"), callback_data=BillingCb(action=BillingAction.packages))
    builder.adjust(2)
    return builder.as_markup()


# -- editing ----------------------------------------------------------------------------

EDITS = {
    PackageAction.name: PackageForm.edit_name,
    PackageAction.description: PackageForm.edit_description,
    PackageAction.price: PackageForm.edit_price,
}


@router.callback_query(PackageCb.filter(F.action.in_(EDITS)))
async def ask_edit(
    query: CallbackQuery,
    callback_data: PackageCb,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
) -> None:
    package = await uc.billing.show_package(
        PackageRef(coach_id=identity.coach_id, package_id=callback_data.package_id)
    )
    await state.set_state(EDITS[callback_data.action])
    await state.update_data(package_id=package.id)
    if not isinstance(query.message, Message):
        return
    prompts = {
        PackageAction.name: _("Send the new name."),
        PackageAction.description: _("Send the new description."),
        PackageAction.price: fmt(
            _(
                "Send the new price in {currency}. Clients who pay from now on pay the new price; "
                "running subscriptions keep theirs."
            ),
            currency=package.currency.upper(),
        ),
    }
    await query.message.answer(prompts[callback_data.action], reply_markup=keyboards.cancel_only())


@router.message(
    StateFilter(PackageForm.edit_name, PackageForm.edit_description, PackageForm.edit_price),
    F.text,
)
async def edit_typed(message: Message, state: FSMContext, identity: Identity, uc: UseCases) -> None:
    current = await state.get_state()
    data: PackageData = await state.get_data()  # type: ignore[assignment]
    text = message.text or ""
    fields = {
        PackageForm.edit_name.state: {"name": text},
        PackageForm.edit_description.state: {"description": text},
        PackageForm.edit_price.state: {"price": text},
    }[current or ""]
    try:
        package = await uc.billing.edit_package(
            EditPackage(
                coach_id=identity.coach_id,
                package_id=data["package_id"],
                locale=identity.user.language,
                **fields,
            )
        )
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.clear()
    await message.answer(
        _("Package updated ✅") + "\n\n" + render_package(package, identity.user.language),
        reply_markup=package_keyboard(package),
    )
