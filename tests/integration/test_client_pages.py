"""The client list's keyset pages, on the fake and on SQLite and PostgreSQL: the same
order as the list always had (status, name case-insensitively, id), Next and Previous
from a neighbour's place, filters and search, and changes between two pages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from coachbot.domain.people.model import (
    Client,
    ClientCursor,
    ClientFilter,
    ClientStatus,
    Coach,
    User,
    list_order,
)
from coachbot.storage.tables import ClientRow

NOW = datetime(2026, 3, 1, tzinfo=UTC)
A, P, INV, X = ClientStatus.active, ClientStatus.paused, ClientStatus.invited, ClientStatus.archived
CLIENTS = (  # name, status, notes, tags
    ("ana", A, "", []),
    ("Zoë", A, "50% off", ["vip"]),
    ("Ana", A, "", ["online"]),
    ("ANA", P, "", []),
    ("Émile", A, "500 off", ["online", "vip"]),
    ("bob", A, "a_b", []),
    ("Bob", INV, "axb", ["online"]),
    ("Ärger", A, "", []),
    ("carl", X, "", []),
    ("Dora", A, "", ["vi"]),
    ("ana", A, "", []),
)


async def seed(uow) -> tuple[int, int]:
    """(the coach, another coach), with CLIENTS for the first and one for the other."""
    async with uow:
        ada = await uow.users.add(User(telegram_id=1, first_name="Ada", created_at=NOW))
        eve = await uow.users.add(User(telegram_id=2, first_name="Eve", created_at=NOW))
        coach = await uow.coaches.add(Coach(user_id=ada.id, display_name="Ada", created_at=NOW))
        other = await uow.coaches.add(Coach(user_id=eve.id, display_name="Eve", created_at=NOW))
        for name, status, notes, tags in CLIENTS:
            await uow.clients.add(
                Client(
                    coach_id=coach.id,
                    display_name=name,
                    status=status,
                    created_at=NOW,
                    notes=notes,
                    tags=tags,
                    email=f"{name.lower()}@example.org" if name == "Dora" else None,
                )
            )
        await uow.clients.add(
            Client(coach_id=other.id, display_name="ana", status=A, created_at=NOW)
        )
        await uow.commit()
    return coach.id, other.id


async def walk(uow, coach_id: int, which: ClientFilter, size: int) -> list[list[Client]]:
    """Every page from the first, by Next."""
    pages: list[list[Client]] = []
    cursor = None
    while True:
        async with uow:
            page = list(await uow.clients.page_for_coach(coach_id, which, limit=size, after=cursor))
        if not page:
            return pages
        pages.append(page)
        cursor = ClientCursor(page[-1].id, page[-1].status)


async def test_next_and_previous_walk_the_list_in_its_order_with_ties_by_id(any_uow):
    coach_id, _ = await seed(any_uow)
    async with any_uow:
        everyone = sorted(await any_uow.clients.list_for_coach(coach_id), key=list_order)
    assert [(c.display_name, c.status) for c in everyone][:6] == [
        ("Bob", INV),
        ("ana", A),
        ("Ana", A),
        ("ana", A),
        ("bob", A),
        ("Dora", A),
    ]
    pages = await walk(any_uow, coach_id, ClientFilter(), 3)
    assert [c.id for page in pages for c in page] == [c.id for c in everyone]
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    # "ana" twice and "Ana" are one name: the page boundary between them is kept by id
    assert [c.display_name for c in pages[0]] == ["Bob", "ana", "Ana"]
    backwards = []
    cursor = ClientCursor(pages[-1][0].id, pages[-1][0].status)
    while True:
        async with any_uow:
            page = list(
                await any_uow.clients.page_for_coach(
                    coach_id, ClientFilter(), limit=3, before=cursor
                )
            )
        if not page:
            break
        backwards = page + backwards
        cursor = ClientCursor(page[0].id, page[0].status)
    assert [c.id for c in backwards] == [c.id for c in everyone[:-2]]
    # by code point, as Python sorts: accented initials after "z", on every database
    assert [c.display_name for c in everyone[-5:]] == ["Zoë", "Ärger", "Émile", "ANA", "carl"]


async def test_filters_and_search_page_the_same_way(any_uow):
    coach_id, _ = await seed(any_uow)

    async def names(which: ClientFilter, size: int = 2) -> list[str]:
        return [c.display_name for page in await walk(any_uow, coach_id, which, size) for c in page]

    assert await names(ClientFilter(status=A)) == [
        "ana", "Ana", "ana", "bob", "Dora", "Zoë", "Ärger", "Émile"
    ]  # fmt: skip
    assert await names(ClientFilter.of("ANA")) == ["ana", "Ana", "ana", "ANA"]
    assert await names(ClientFilter.of("#online")) == ["Bob", "Ana", "Émile"]
    assert await names(ClientFilter.of("#vi")) == ["Dora"]  # a tag is matched whole
    assert await names(ClientFilter.of("#online émile")) == ["Émile"]
    assert await names(ClientFilter.of("dora@example")) == ["Dora"]  # emails too
    # LIKE's wildcards in a search are only characters
    assert await names(ClientFilter.of("50%")) == ["Zoë"]
    assert await names(ClientFilter.of("a_b")) == ["bob"]
    assert await names(ClientFilter.of("#online", status=INV)) == ["Bob"]
    async with any_uow:
        counts, online = await any_uow.clients.count_for_coach(coach_id, ClientFilter.of("#online"))
        _, percent = await any_uow.clients.count_for_coach(coach_id, ClientFilter.of("%"))
        _, paused = await any_uow.clients.count_for_coach(coach_id, ClientFilter(status=P))
        _, everyone = await any_uow.clients.count_for_coach(coach_id, ClientFilter())
    assert counts == {INV: 1, A: 8, P: 1, X: 1}
    assert (online, percent, paused, everyone) == (3, 1, 1, 11)


async def test_a_client_archived_or_removed_between_two_pages(any_uow, uow_kind):
    coach_id, _ = await seed(any_uow)
    first, second, *_ = await walk(any_uow, coach_id, ClientFilter(), 3)
    last = first[-1]  # "Ana", active
    cursor = ClientCursor(last.id, last.status)
    async with any_uow:  # the page's last client and the next page's first are archived
        for client in (last, second[0]):
            client.status = X
            await any_uow.clients.update(client)
        await any_uow.commit()
    async with any_uow:
        page = await any_uow.clients.page_for_coach(coach_id, ClientFilter(), limit=3, after=cursor)
        archived = await any_uow.clients.page_for_coach(coach_id, ClientFilter(status=X), limit=5)
    # Next goes on from where the archived client was listed; the other moved to the end
    assert [c.id for c in page] == [c.id for c in second[1:]] + [page[-1].id]
    assert {c.id for c in archived} >= {last.id, second[0].id}
    async with any_uow:  # the cursor's client is gone altogether: the first page
        if uow_kind[0] == "fake":
            any_uow._working.clients.delete(last.id)
        else:
            await any_uow._session.execute(delete(ClientRow).where(ClientRow.id == last.id))
        await any_uow.commit()
    async with any_uow:
        again = await any_uow.clients.page_for_coach(
            coach_id, ClientFilter(), limit=3, after=cursor
        )
    assert [c.display_name for c in again] == ["Bob", "ana", "bob"]


async def test_a_cursor_from_another_coach_is_no_place(any_uow):
    coach_id, other_id = await seed(any_uow)
    async with any_uow:
        (theirs,) = await any_uow.clients.list_for_coach(other_id)
        page = await any_uow.clients.page_for_coach(
            coach_id, ClientFilter(), limit=2, after=ClientCursor(theirs.id, A)
        )
    assert [c.display_name for c in page] == ["Bob", "ana"]
