"""The fake unit of work has every repository of the `UnitOfWork` protocol, each with every
method of its protocol and the same parameters (what it does is checked against the SQL
unit of work by tests/integration/test_uow_contract*.py)."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import pytest

from coachbot.domain.shared.ports import UnitOfWork
from tests.fakes.uow import FakeUnitOfWork

REPOSITORIES = get_type_hints(UnitOfWork)


def protocol_methods(protocol: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(protocol).items()
        if callable(member) and not name.startswith("_")
    }


def test_the_protocol_is_introspected():
    assert {"users", "billing", "goals", "checkins", "forms", "outbox"} <= set(REPOSITORIES)
    assert "replace_milestones" in protocol_methods(REPOSITORIES["goals"])


@pytest.mark.parametrize("attribute", sorted(REPOSITORIES))
async def test_the_fake_has_every_method_of_the_repository(attribute):
    async with FakeUnitOfWork() as uow:
        repository = getattr(uow, attribute, None)
    assert repository is not None, f"FakeUnitOfWork has no `{attribute}`"
    for name, wanted in protocol_methods(REPOSITORIES[attribute]).items():
        found = getattr(repository, name, None)
        assert found is not None, f"{type(repository).__name__} lacks `{name}`"
        assert inspect.iscoroutinefunction(found) == inspect.iscoroutinefunction(wanted), name
        expected = list(inspect.signature(wanted).parameters.values())[1:]  # without self
        actual = list(inspect.signature(found).parameters.values())
        assert [(p.name, p.kind, p.default) for p in actual] == [
            (p.name, p.kind, p.default) for p in expected
        ], f"{type(repository).__name__}.{name} has other parameters than the protocol"


def test_the_fake_is_its_own_factory_and_opens_once():
    uow = FakeUnitOfWork()
    assert uow() is uow


async def test_a_fake_unit_cannot_be_opened_twice():
    uow = FakeUnitOfWork()
    async with uow:
        with pytest.raises(RuntimeError):
            await uow.__aenter__()
