"""A coach adds a client: name, then optional email, phone, notes and tags; the answer
is a one-time invitation link with Revoke and New link buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb, SkipCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.bot.texts import local_datetime, start_link
from coachbot.domain.people.clients import AddClient, AddClientUseCase, ClientLink
from coachbot.domain.people.contact import (
    clean_name,
    clean_notes,
    clean_phone,
    clean_tags,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases
from coachbot.integrations.email_addresses import normalise_email

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())


class AddClientForm(StatesGroup):
    name = State()
    email = State()
    phone = State()
    notes = State()
    tags = State()


# Each step: the field it fills, how it checks what was typed, the next step.
STEPS = {
    AddClientForm.name.state: ("name", clean_name, AddClientForm.email),
    AddClientForm.email.state: ("email", normalise_email, AddClientForm.phone),
    AddClientForm.phone.state: ("phone", clean_phone, AddClientForm.notes),
    AddClientForm.notes.state: ("notes", clean_notes, AddClientForm.tags),
    AddClientForm.tags.state: ("tags", clean_tags, None),
}


def question(step: State) -> str:
    return {
        AddClientForm.name: _("What is your new client's name?"),
        AddClientForm.email: _("Their email address? (optional)"),
        AddClientForm.phone: _("Their phone number, with country code? (optional)"),
        AddClientForm.notes: _("Any notes about them, only for you? (optional)"),
        AddClientForm.tags: _("Tags to group them, separated by commas? (optional)"),
    }[step]


def refusal(error: InvalidDetailError) -> str:
    return {
        ("name", "empty"): _("Please send the name as text."),
        ("name", "too_long"): _("That name is too long: 100 characters at most."),
        ("email", "invalid"): _("That does not look like an email address, e.g. ann@example.org."),
        ("phone", "invalid"): _(
            "Please send a phone number with 7 to 15 digits, e.g. +49 170 1234567."
        ),
        ("notes", "too_long"): _("Notes can be 2000 characters at most."),
        ("tags", "too_long"): _("A tag can be 30 characters at most."),
        ("tags", "too_many"): _("Ten tags at most, please."),
    }.get((error.field, error.code), _("Please check that and send it again."))


async def ask(message: Message, state: FSMContext, step: State) -> None:
    await state.set_state(step)
    markup = keyboards.cancel_only() if step == AddClientForm.name else keyboards.skip_or_cancel()
    await message.answer(question(step), reply_markup=markup)


@router.callback_query(MenuCb.filter(F.action == MenuAction.add_client))
async def start_adding(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await state.set_data({})
        await ask(query.message, state, AddClientForm.name)


@router.message(StateFilter(AddClientForm), F.text)
async def take_detail(
    message: Message,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
    bot: Bot,
) -> None:
    field, check, next_step = STEPS[await state.get_state()]
    try:
        value = check(message.text or "")
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.update_data({field: value})
    await _next(message, state, identity, uc.people.add_client, bot, next_step)


@router.message(StateFilter(AddClientForm))
async def not_text(message: Message) -> None:
    await message.answer(_("Please send that as text, or /cancel."))


@router.callback_query(StateFilter(AddClientForm), SkipCb.filter())
async def skip_detail(
    query: CallbackQuery,
    state: FSMContext,
    identity: Identity,
    uc: UseCases,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    current = await state.get_state()
    if current == AddClientForm.name.state or not isinstance(query.message, Message):
        callback_answer.text = _("The name is needed.")
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await _next(query.message, state, identity, uc.people.add_client, bot, STEPS[current][2])


async def _next(
    message: Message,
    state: FSMContext,
    identity: Identity,
    add_client: AddClientUseCase,
    bot: Bot,
    next_step: State | None,
) -> None:
    if next_step is not None:
        await ask(message, state, next_step)
        return
    details = await state.get_data()
    link = await add_client(
        AddClient(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            name=details["name"],
            email=details.get("email"),
            phone=details.get("phone"),
            notes=details.get("notes", ""),
            tags=details.get("tags", []),
        )
    )
    await state.clear()
    me = await bot.me()
    await message.answer(
        render_link(link, me.username or "", identity.user),
        reply_markup=keyboards.client_link(link.client_id),
    )


def render_link(link: ClientLink, bot_username: str, viewer: User) -> str:
    return fmt(
        _(
            "<b>{name}</b> is added. Send them this link to join:\n\n{link}\n\n"
            "It works once and expires {expires}."
        ),
        name=escape(link.client_name),
        link=start_link(bot_username, link.invitation.token),
        expires=local_datetime(link.invitation.expires_at, viewer),
    )
