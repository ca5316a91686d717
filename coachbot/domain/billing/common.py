"""Helpers shared by the billing use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coachbot.domain.billing.errors import BillingNotConfigured
from coachbot.domain.billing.model import Package
from coachbot.domain.billing.ports import Payments
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, User
from coachbot.domain.shared.notices import Notice
from coachbot.domain.shared.ports import UnitOfWork


def gateway(payments: Payments | None) -> Payments:
    if payments is None:
        raise BillingNotConfigured()
    return payments


def notify(user: User, notice: Notice, *, key: str, now: datetime) -> OutgoingMessage:
    """`notice` for `user`, sent through the outbox once per `key`, at once (a payment's
    news does not wait for quiet hours)."""
    return notice_for(user, notice, key=key, now=now)


async def client_user(uow: UnitOfWork, client: Client) -> User | None:
    return await uow.users.get(client.user_id) if client.user_id is not None else None


async def tell_client(
    uow: UnitOfWork,
    client: Client | None,
    notice: Notice,
    *,
    key: str,
    now: datetime,
) -> bool:
    """`notice` to the client, once per `key`, if there is one who has joined;
    True if it was queued."""
    user = await client_user(uow, client) if client is not None else None
    if user is None:
        return False
    await uow.outbox.enqueue(notify(user, notice, key=key, now=now))
    return True


async def tell_coach(
    uow: UnitOfWork, coach_id: int, notice: Notice, *, key: str, now: datetime
) -> None:
    """`notice` to the coach, once per `key`."""
    coach = await uow.coaches.get(coach_id)
    assert coach is not None
    user = await uow.users.get(coach.user_id)
    assert user is not None
    await uow.outbox.enqueue(notify(user, notice, key=key, now=now))


def package_params(package: Package | None) -> dict[str, Any]:
    """What a notice needs to name and price a package."""
    if package is None:
        return {"package": ""}
    return {
        "package": package.name,
        "amount": package.amount,
        "currency": package.currency,
        "interval": package.interval.value if package.interval else None,
    }


def ids_metadata(*, coach_id: int, client_id: int | None = None, package_id: int | None = None):
    """Metadata that ties a provider object back to ours."""
    values = {"coach_id": coach_id, "client_id": client_id, "package_id": package_id}
    return {key: str(value) for key, value in values.items() if value is not None}
