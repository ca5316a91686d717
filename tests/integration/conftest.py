"""A unit of work of each kind, for the contract the fake and the SQL one share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from coachbot.storage.db import create_engine, create_session_factory, is_sqlite
from coachbot.storage.uow import SqlUnitOfWork
from tests.conftest import truncate_all
from tests.fakes.uow import FakeUnitOfWork


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def uow_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    if request.param == "fake":
        return ("fake", None)
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_schema_url"
    return (request.param, request.getfixturevalue(fixture))


@pytest.fixture
async def any_uow(uow_kind: tuple[str, str | None]) -> AsyncIterator[object]:
    """The in-memory fake, or the SQL unit of work on an empty SQLite / PostgreSQL."""
    _, url = uow_kind
    if url is None:
        yield FakeUnitOfWork()
        return
    engine = create_engine(url)
    if not is_sqlite(url):
        await truncate_all(engine)
    yield SqlUnitOfWork(create_session_factory(engine))
    await engine.dispose()
