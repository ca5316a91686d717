"""Fixtures of the fast use-case tests: the in-memory unit of work and a small world."""

from __future__ import annotations

import pytest

from tests.fakes.uow import FakeUnitOfWork
from tests.fakes.world import World, seed


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
async def world(uow: FakeUnitOfWork) -> World:
    return await seed(uow)
