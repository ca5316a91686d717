"""The coach menu, the client list (pages, status filter, search) and the client card
(details, notes, tags, pause / resume / archive)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.callbacks import (
    ClientAction,
    ClientCardCb,
    ClientLinkAction,
    ClientLinkCb,
    ClientListCb,
    ClientPageCb,
    ClientSearchCb,
    MenuAction,
    MenuCb,
)
from coachbot.bot.clients.intake import intake_button_label
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, join, long_text, stack
from coachbot.bot.texts import local_date, local_datetime
from coachbot.domain.people.clients import (
    ClientCard,
    ClientPage,
    ListClients,
    ShowClient,
    UpdateClient,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import STATUS_ORDER, Client, ClientCursor, ClientStatus, User
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

STATUS_ACTIONS = {
    ClientAction.pause: ClientStatus.paused,
    ClientAction.resume: ClientStatus.active,
    ClientAction.archive: ClientStatus.archived,
    ClientAction.restore: ClientStatus.active,
}


class ClientEdit(StatesGroup):
    search = State()
    notes = State()
    tags = State()


@router.message(Command("menu"))
async def show_coach_menu(message: Message, identity: Identity, uc: UseCases) -> None:
    waiting = await uc.checkins.review_queue_size(identity.coach_id)
    await message.answer(_("Coach menu:"), reply_markup=keyboards.coach_menu(identity, waiting))


@router.message(Command("clients"))
async def list_clients_command(message: Message, identity: Identity, uc: UseCases) -> None:
    page = await uc.people.list_clients(ListClients(coach_id=identity.coach_id))
    await message.answer(render_client_page(page, ""), reply_markup=client_page_keyboard(page))


@router.callback_query(MenuCb.filter(F.action == MenuAction.clients))
async def list_clients_button(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    if isinstance(query.message, Message):
        await list_clients_command(query.message, identity, uc)


@router.callback_query(ClientListCb.filter())
async def show_first_client_page(
    query: CallbackQuery,
    callback_data: ClientListCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    await _turn_to(query, identity, uc, state, callback_data.status, callback_data.search)


@router.callback_query(ClientPageCb.filter())
async def turn_client_page(
    query: CallbackQuery,
    callback_data: ClientPageCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    rank = min(max(callback_data.rank, 0), len(STATUS_ORDER) - 1)
    cursor = ClientCursor(callback_data.at, STATUS_ORDER[rank])
    await _turn_to(
        query,
        identity,
        uc,
        state,
        callback_data.status,
        callback_data.search,
        page=callback_data.page,
        after=None if callback_data.back else cursor,
        before=cursor if callback_data.back else None,
    )


async def _turn_to(
    query: CallbackQuery,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
    status_value: str,
    searching: bool,
    *,
    page: int = 0,
    after: ClientCursor | None = None,
    before: ClientCursor | None = None,
) -> None:
    search = (await state.get_data()).get("client_search", "") if searching else ""
    status = ClientStatus(status_value) if status_value else None
    found = await uc.people.list_clients(
        ListClients(
            coach_id=identity.coach_id,
            search=search,
            status=status,
            page=page,
            after=after,
            before=before,
        )
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(
            render_client_page(found, search, status),
            reply_markup=client_page_keyboard(found, status, bool(search)),
        )


@router.callback_query(ClientSearchCb.filter())
async def ask_for_search(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ClientEdit.search)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Send a name, email or word from the notes; #tag finds a tag."),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(ClientEdit.search, F.text)
async def search_clients(
    message: Message, identity: Identity, uc: UseCases, state: FSMContext
) -> None:
    search = (message.text or "").strip()[:100]
    await state.set_state(None)
    await state.update_data(client_search=search)
    page = await uc.people.list_clients(ListClients(coach_id=identity.coach_id, search=search))
    await message.answer(
        render_client_page(page, search), reply_markup=client_page_keyboard(page, None, True)
    )


def render_client_page(page: ClientPage, search: str, status: ClientStatus | None = None) -> str:
    total = sum(page.counts.values())
    if total == 0:
        return _("You have no clients yet.")
    counts = " · ".join(f"{status_label(s)} {n}" for s, n in page.counts.items() if n)
    lines = [fmt(_("Your clients ({count}):"), count=total) + " " + counts]
    if search:
        lines.append(fmt(_("Search: {search}"), search=escape(search)))
    if status is not None:
        lines.append(fmt(_("Showing: {status}"), status=status_label(status)))
    if not page.clients:
        lines.append(_("No client matches."))
    elif page.pages > 1:
        lines.append(fmt(_("Page {page} of {pages}"), page=page.page + 1, pages=page.pages))
    return stack(lines)


def client_page_keyboard(
    page: ClientPage, status: ClientStatus | None = None, searching: bool = False
) -> InlineKeyboardMarkup | None:
    if sum(page.counts.values()) == 0:
        return None
    builder = InlineKeyboardBuilder()
    widths = []
    for client in page.clients:
        builder.button(
            text=f"{client.display_name} · {status_label(client.status)}",
            callback_data=ClientCardCb(client_id=client.id or 0),
        )
        widths.append(1)
    here = {"status": status.value if status else "", "search": searching}
    navigation = []
    first, last = page.cursor(last=False), page.cursor(last=True)
    if page.has_previous and first is not None:
        navigation.append(("◀", _page_button(page.page - 1, first, True, here)))
    if page.has_next and last is not None:
        navigation.append(("▶", _page_button(page.page + 1, last, False, here)))
    for label, data in navigation:
        builder.button(text=label, callback_data=data)
    if navigation:
        widths.append(len(navigation))
    filters = [(_("All"), "")] + [(status_label(s), s.value) for s, n in page.counts.items() if n]
    for label, value in filters:
        builder.button(text=label, callback_data=ClientListCb(status=value, search=searching))
    widths += keyboards.rows_of(len(filters), 3)
    builder.button(text=_("🔎 Search"), callback_data=ClientSearchCb())
    widths.append(1)
    builder.adjust(*widths)
    return builder.as_markup()


def _page_button(page: int, cursor: ClientCursor, back: bool, here: dict) -> ClientPageCb:
    rank = STATUS_ORDER.index(cursor.status)
    return ClientPageCb(page=page, at=cursor.client_id, rank=rank, back=back, **here)


@router.callback_query(ClientCardCb.filter(F.action == ClientAction.show))
async def show_client_card(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    card = await uc.people.show_client(
        ShowClient(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    if isinstance(query.message, Message):
        await query.message.answer(
            render_card(card, identity.user), reply_markup=card_keyboard(card.client)
        )


@router.callback_query(ClientCardCb.filter(F.action.in_(STATUS_ACTIONS)))
async def change_client_status(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    client = await uc.people.update_client(
        UpdateClient(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            client_id=callback_data.client_id,
            status=STATUS_ACTIONS[callback_data.action],
        )
    )
    callback_answer.text = status_label(client.status)
    card = await uc.people.show_client(
        ShowClient(coach_id=identity.coach_id, client_id=client.id or 0)
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(
            render_card(card, identity.user), reply_markup=card_keyboard(client)
        )


@router.callback_query(ClientCardCb.filter(F.action.in_({ClientAction.notes, ClientAction.tags})))
async def ask_for_detail(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    # Check ownership now, not only when the answer comes.
    await uc.people.show_client(
        ShowClient(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    notes = callback_data.action is ClientAction.notes
    await state.set_state(ClientEdit.notes if notes else ClientEdit.tags)
    await state.update_data(client_id=callback_data.client_id)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Send the new notes (they replace the old ones).")
            if notes
            else _("Send the tags, separated by commas (they replace the old ones)."),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(StateFilter(ClientEdit.notes, ClientEdit.tags), F.text)
async def save_detail(
    message: Message,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    editing_notes = await state.get_state() == ClientEdit.notes.state
    client_id = (await state.get_data())["client_id"]
    text = message.text or ""
    try:
        client = await uc.people.update_client(
            UpdateClient(
                coach_id=identity.coach_id,
                actor_user_id=identity.user_id,
                client_id=client_id,
                notes=text if editing_notes else None,
                tags=None if editing_notes else text,
            )
        )
    except InvalidDetailError:
        await message.answer(
            _("Notes can be 2000 characters at most.")
            if editing_notes
            else _("Ten tags at most, please, each 30 characters at most.")
        )
        return
    await state.set_state(None)
    card = await uc.people.show_client(
        ShowClient(coach_id=identity.coach_id, client_id=client.id or 0)
    )
    await message.answer(render_card(card, identity.user), reply_markup=card_keyboard(client))


def status_label(status: ClientStatus) -> str:
    labels = {
        ClientStatus.invited: _("Invited"),
        ClientStatus.onboarding: _("Onboarding"),
        ClientStatus.active: _("Active"),
        ClientStatus.paused: _("Paused"),
        ClientStatus.archived: _("Archived"),
    }
    return labels[status]


def render_card(card: ClientCard, viewer: User) -> str:
    client = card.client
    lines: list[str] = [
        fmt(
            "<b>{name}</b> · {status}", name=client.display_name, status=status_label(client.status)
        )
    ]
    if client.email:
        lines.append(fmt(_("Email: {email}"), email=escape(client.email)))
    if client.phone:
        lines.append(fmt(_("Phone: {phone}"), phone=escape(client.phone)))
    if client.tags:
        lines.append(fmt(_("Tags: {tags}"), tags=join(" ", ("#" + tag for tag in client.tags))))
    if client.notes:
        lines.append(fmt(_("Notes: {notes}"), notes=long_text(client.notes)))
    if card.user is not None:
        lines += _profile_lines(card.user, viewer)
    lines.append(fmt(_("Added {date}"), date=local_datetime(client.created_at, viewer)))
    if card.last_activity is not None:
        lines.append(fmt(_("Last answer {date}"), date=local_datetime(card.last_activity, viewer)))
    return stack(lines)


def _profile_lines(client_user: User, viewer: User) -> list[str]:
    details: list[str] = []
    if client_user.date_of_birth:
        details.append(fmt(_("born {date}"), date=local_date(client_user.date_of_birth, viewer)))
    if client_user.height_cm:
        details.append(f"{client_user.height_cm:.0f} cm")
    details.append(client_user.timezone)
    return [fmt(_("Telegram: {name}"), name=escape(client_user.full_name)), join(" · ", details)]


def card_keyboard(client: Client) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    client_id = client.id or 0
    buttons = [(_("✏️ Notes"), ClientAction.notes), (_("🏷 Tags"), ClientAction.tags)]
    if client.status is ClientStatus.active:
        buttons.append((_("⏸ Pause"), ClientAction.pause))
    if client.status is ClientStatus.paused:
        buttons.append((_("▶️ Resume"), ClientAction.resume))
    if client.status is ClientStatus.archived:
        buttons.append((_("♻️ Restore"), ClientAction.restore))
    else:
        buttons.append((_("🗄 Archive"), ClientAction.archive))
    for label, action in buttons:
        builder.button(text=label, callback_data=ClientCardCb(client_id=client_id, action=action))
    if client.user_id is not None:
        builder.button(
            text=intake_button_label(),
            callback_data=ClientCardCb(client_id=client_id, action=ClientAction.intake),
        )
    if client.user_id is not None and client.status is not ClientStatus.archived:
        builder.button(
            text=_("📅 Check-ins"),
            callback_data=ClientCardCb(client_id=client_id, action=ClientAction.checkins),
        )
    if client.user_id is not None:
        builder.button(
            text=_("💳 Billing"),
            callback_data=ClientCardCb(client_id=client_id, action=ClientAction.billing),
        )
    if client.user_id is not None:
        builder.button(
            text=_("📈 Charts"),
            callback_data=ClientCardCb(client_id=client_id, action=ClientAction.charts),
        )
        builder.button(
            text=_("🗂 Progress & reports"),
            callback_data=ClientCardCb(client_id=client_id, action=ClientAction.progress),
        )
    if client.user_id is None and client.status is not ClientStatus.archived:
        builder.button(
            text=_("New link"),
            callback_data=ClientLinkCb(action=ClientLinkAction.renew, client_id=client_id),
        )
    builder.button(text=_("⬅ Clients"), callback_data=ClientListCb())
    builder.adjust(2)
    return builder.as_markup()
