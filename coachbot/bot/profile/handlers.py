"""/profile: a person sees their profile and changes one field at a time."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.callbacks import ProfileCb
from coachbot.bot.forms.rendering import explain_refusal, wording
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import bold, escape, fmt, stack
from coachbot.bot.texts import local_date, quiet_hours_warning
from coachbot.domain.forms.questions import InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.units import Metric, UnitSystem, from_si, unit_symbol
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.profile import (
    AskProfileField,
    ChangeProfileField,
    ProfileView,
    ShowProfile,
)
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)

EDITABLE = (
    "preferred_name",
    "date_of_birth",
    "sex",
    "units",
    "height",
    "timezone",
    "language",
    "reminder_time",
    "quiet_start",
    "quiet_end",
    "allow_photo_forwarding",
)


QUIET_FIELDS = ("reminder_time", "quiet_start", "quiet_end")  # a change may clash


class ProfileEdit(StatesGroup):
    value = State()


def field_label(field: str) -> str:
    return {
        "preferred_name": _("Name"),
        "date_of_birth": _("Born"),
        "sex": _("Sex"),
        "units": _("Units"),
        "height": _("Height"),
        "timezone": _("Time zone"),
        "language": _("Language"),
        "reminder_time": _("Reminders at"),
        "allow_photo_forwarding": _("Coach may forward photos"),
        "quiet_start": _("Quiet from"),
        "quiet_end": _("Quiet until"),
    }[field]


def _value(view: ProfileView, field: str) -> str:
    user = view.user
    if field == "preferred_name":
        return escape(user.call_name)
    if field == "date_of_birth":
        return local_date(user.date_of_birth, user) if user.date_of_birth else "—"
    if field == "height":
        if user.height_cm is None:
            return "—"
        units = UnitSystem(user.units)
        height = from_si(user.height_cm, Metric.height, units)
        return fmt("{height:.0f} {unit}", height=height, unit=unit_symbol(Metric.height, units))
    raw = getattr(user, field, None)
    if isinstance(raw, bool):
        return _("Yes") if raw else _("No")
    question = view.fields[field].question
    for option in question.options:
        if option.key == raw:
            return escape(wording(option.label, user.language))
    return escape(str(raw)) if raw else "—"


def render_profile(view: ProfileView) -> str:
    lines = [_("<b>Your profile</b>")]
    lines += [
        fmt("{field}: {value}", field=field_label(field), value=_value(view, field))
        for field in EDITABLE
    ]
    lines += ["", _("Tap what you want to change.")]
    return stack(lines)


def profile_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for field in EDITABLE:
        builder.button(text=field_label(field), callback_data=ProfileCb(field=field))
    builder.adjust(2)
    return builder.as_markup()


def question_markup(field: str, question: Question, language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for option in question.button_options:
        label = wording(option.label, language)
        if question.kind is QuestionKind.yes_no:
            label = _("Yes") if option.key == "yes" else _("No")
        builder.button(
            text=label,
            callback_data=ProfileCb(field=field, value=option.key),
        )
    builder.adjust(1)
    builder.row(*keyboards.cancel_only().inline_keyboard[0])
    return builder.as_markup()


@router.message(Command("profile"))
async def show_profile(message: Message, identity: Identity, uc: UseCases) -> None:
    view = await uc.people.show_profile_view(ShowProfile(user_id=identity.user_id))
    await message.answer(render_profile(view), reply_markup=profile_keyboard())


@router.callback_query(ProfileCb.filter(F.value == ""), ProfileCb.filter(F.field.in_(EDITABLE)))
async def ask_field(
    query: CallbackQuery,
    callback_data: ProfileCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    question = await uc.people.ask_profile_field(AskProfileField(field=callback_data.field))
    await state.set_state(ProfileEdit.value)
    await state.update_data(profile_field=callback_data.field)
    if isinstance(query.message, Message):
        await _ask(query.message, callback_data.field, question, identity)


async def _ask(message: Message, field: str, question: Question, identity: Identity) -> None:
    language = identity.user.language
    await message.answer(
        bold(wording(question.prompt, language)),
        reply_markup=question_markup(field, question, language),
    )


@router.message(ProfileEdit.value, F.text)
async def typed_field(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    i18n: I18n,
) -> None:
    field = (await state.get_data()).get("profile_field", "")
    await _change(
        message,
        identity,
        state,
        field,
        ChangeProfileField(user_id=identity.user_id, field=field, text=message.text),
        uc.people.change_profile_field,
        uc.people.ask_profile_field,
        uc.people.show_profile_view,
        i18n,
    )


@router.callback_query(ProfileEdit.value, ProfileCb.filter(F.value != ""))
async def chosen_field(
    query: CallbackQuery,
    callback_data: ProfileCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    i18n: I18n,
) -> None:
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await _change(
        query.message,
        identity,
        state,
        callback_data.field,
        ChangeProfileField(
            user_id=identity.user_id, field=callback_data.field, choices=[callback_data.value]
        ),
        uc.people.change_profile_field,
        uc.people.ask_profile_field,
        uc.people.show_profile_view,
        i18n,
    )


async def _change(
    message,
    identity,
    state,
    field,
    command,
    change_profile_field,
    ask_profile_field,
    show_profile_view,
    i18n,
) -> None:
    try:
        user = await change_profile_field(command)
    except InvalidAnswer as error:
        question = await ask_profile_field(AskProfileField(field=field))
        await message.answer(explain_refusal(error, question, identity.user))
        await _ask(message, field, question, identity)
        return
    await state.clear()
    with i18n.use_locale(user.language):
        view = await show_profile_view(ShowProfile(user_id=user.id or 0))
        saved = _("Saved.")
        if field in QUIET_FIELDS and (warning := quiet_hours_warning(user)):
            saved += " " + warning
        await message.answer(saved + "\n\n" + render_profile(view), reply_markup=profile_keyboard())
