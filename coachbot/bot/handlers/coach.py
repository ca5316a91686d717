"""The coach menu and the client list."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.texts import escape
from coachbot.domain.model import Client, ClientStatus
from coachbot.domain.services.clients import ListClients, ListClientsUseCase
from coachbot.domain.services.identity import Identity

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())


@router.message(Command("menu"))
async def show_coach_menu(message: Message, identity: Identity) -> None:
    await message.answer(_("Coach menu:"), reply_markup=keyboards.coach_menu(identity))


@router.message(Command("clients"))
async def list_clients_command(
    message: Message, identity: Identity, list_clients: ListClientsUseCase
) -> None:
    clients = await list_clients(ListClients(coach_id=identity.coach_id))
    await message.answer(render_client_list(clients))


@router.callback_query(MenuCb.filter(F.action == MenuAction.clients))
async def list_clients_button(
    query: CallbackQuery, identity: Identity, list_clients: ListClientsUseCase
) -> None:
    clients = await list_clients(ListClients(coach_id=identity.coach_id))
    if query.message is not None:
        await query.message.answer(render_client_list(clients))


def status_label(status: ClientStatus) -> str:
    labels = {
        ClientStatus.invited: _("Invited"),
        ClientStatus.onboarding: _("Onboarding"),
        ClientStatus.active: _("Active"),
        ClientStatus.paused: _("Paused"),
        ClientStatus.archived: _("Archived"),
    }
    return labels[status]


def render_client_list(clients: list[Client]) -> str:
    if not clients:
        return _("You have no clients yet.")
    lines = [_("Your clients ({count}):").format(count=len(clients))]
    current = None
    for client in clients:
        if client.status != current:
            current = client.status
            lines += ["", f"<b>{status_label(current)}</b>"]
        lines.append(f"• {escape(client.display_name)}")
    return "\n".join(lines)
