"""The client list use case on the in-memory unit of work: page numbers, Next and
Previous from a neighbour's place, and where they lead when the list changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coachbot.domain.people.clients import PAGE_SIZE, ListClients, ListClientsUseCase
from coachbot.domain.people.model import Client, ClientCursor, ClientStatus, Coach, User
from coachbot.domain.shared.errors import NotAllowedError

NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def coach_with_clients(uow, count: int) -> int:
    async with uow:
        user = await uow.users.add(User(telegram_id=1, first_name="Ada", created_at=NOW))
        coach = await uow.coaches.add(Coach(user_id=user.id, display_name="Ada", created_at=NOW))
        for number in range(count):
            await uow.clients.add(
                Client(
                    coach_id=coach.id,
                    display_name=f"Client {number:02d}",
                    status=ClientStatus.paused if number >= count - 2 else ClientStatus.active,
                    created_at=NOW,
                )
            )
        await uow.commit()
    return coach.id


async def test_pages_are_numbered_from_their_neighbours(uow):
    coach_id = await coach_with_clients(uow, 20)
    show = ListClientsUseCase(uow)
    first = await show(ListClients(coach_id=coach_id))
    assert (first.page, first.pages, first.matching, first.has_previous, first.has_next) == (
        0, 3, 20, False, True,
    )  # fmt: skip
    assert first.counts[ClientStatus.active] == 18 and first.counts[ClientStatus.paused] == 2
    second = await show(ListClients(coach_id=coach_id, page=1, after=first.cursor(last=True)))
    third = await show(ListClients(coach_id=coach_id, page=2, after=second.cursor(last=True)))
    assert (second.page, third.page, third.has_next) == (1, 2, False)
    assert [c.display_name for c in third.clients] == [f"Client {n}" for n in range(16, 20)]
    back = await show(ListClients(coach_id=coach_id, page=1, before=third.cursor(last=False)))
    assert [c.id for c in back.clients] == [c.id for c in second.clients]
    assert (back.page, back.has_previous, back.has_next) == (1, True, True)
    # a page number that does not fit (an old button) is only a label: it is corrected
    odd = await show(ListClients(coach_id=coach_id, page=9, after=first.cursor(last=True)))
    assert odd.page == 1


async def test_previous_near_the_start_and_next_past_the_end_show_the_first_page(uow):
    coach_id = await coach_with_clients(uow, 12)
    show = ListClientsUseCase(uow)
    first = await show(ListClients(coach_id=coach_id))
    assert len(first.clients) == PAGE_SIZE
    # fewer than a page before this place (clients archived meanwhile): the first page
    third_client = first.clients[2]
    near = await show(
        ListClients(
            coach_id=coach_id, page=1, before=ClientCursor(third_client.id, ClientStatus.active)
        )
    )
    assert [c.id for c in near.clients] == [c.id for c in first.clients]
    assert (near.page, near.has_previous) == (0, False)
    last = await show(ListClients(coach_id=coach_id, page=1, after=first.cursor(last=True)))
    assert not last.has_next
    past = await show(ListClients(coach_id=coach_id, page=2, after=last.cursor(last=True)))
    assert (past.page, [c.id for c in past.clients]) == (0, [c.id for c in first.clients])


async def test_only_a_coach_has_a_client_list(uow):
    with pytest.raises(NotAllowedError):
        await ListClientsUseCase(uow)(ListClients(coach_id=None))
