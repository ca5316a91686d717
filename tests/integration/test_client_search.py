"""Searching the client list: `%`, `_` and `\\` typed by a coach match themselves, not
every client (LIKE's wildcards), on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from coachbot.domain.people.clients import ListClients, ListClientsUseCase
from coachbot.domain.people.model import Client, ClientStatus
from coachbot.storage.like import LIKE_ESCAPE, like_pattern
from tests.fakes.world import T0, seed

NAMES = ["100% Fit", "Cleo_Park", "Back\\slash Ben", "Dora Ortiz", "Cleo Park"]


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("%", ["100% Fit"]),
        ("_", ["Cleo_Park"]),
        ("\\", ["Back\\slash Ben"]),
        ("o_p", ["Cleo_Park"]),
        ("0%", ["100% Fit"]),
        ("cleo", ["Cleo_Park", "Cleo Park"]),
        ("%%", []),
        ("\\%", []),
    ],
)
async def test_like_patterns_match_what_was_typed_literally(engine, search, found):
    async with engine.connect() as connection:
        matched = [
            name
            for name in NAMES
            if await connection.scalar(
                select(literal(name).ilike(like_pattern(search), escape=LIKE_ESCAPE))
            )
        ]
    assert matched == found


@pytest.mark.parametrize(
    ("search", "found"),
    [("%", ["100% Fit"]), ("_", ["Cleo_Park"]), ("\\", ["Back\\slash Ben"])],
)
async def test_searching_clients_for_a_wildcard_lists_only_those_who_have_it(
    any_uow, search, found
):
    world = await seed(any_uow)
    async with any_uow() as u:
        for name in NAMES:
            await u.clients.add(Client(world.coach, name, ClientStatus.active, T0, user_id=None))
        await u.commit()
    coach = (await ListClientsUseCase(any_uow)(ListClients(coach_id=world.coach))).clients
    assert len(coach) > len(NAMES)  # the seeded clients too
    page = await ListClientsUseCase(any_uow)(ListClients(coach_id=world.coach, search=search))
    assert [client.display_name for client in page.clients] == found
