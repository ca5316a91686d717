"""The client's side of check-ins: start, answer, submit, bring forward.

The timed work that opens check-ins and follows them up is in `ticks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coachbot.domain.billing.dunning import client_has_access
from coachbot.domain.billing.errors import AccessLapsedError
from coachbot.domain.checkins.model import Checkin
from coachbot.domain.checkins.schedule import next_due
from coachbot.domain.forms.use_cases import FormStep, open_or_start_response, step_of
from coachbot.domain.outbox.notices import send_time
from coachbot.domain.people.model import ClientStatus, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


class CheckinNotFound(NotAllowedError):
    """No such check-in, or not this person's."""


class CheckinClosed(NotAllowedError):
    """The check-in can no longer be answered: the next one is due."""


# -- the client -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StartCheckin:
    user_id: int
    checkin_id: int | None = None  # None: the person's current open check-in
    started_only: bool = False  # only continue one already begun (CheckinNotFound if not)


@dataclass(frozen=True)
class CheckinStart:
    checkin: Checkin
    step: FormStep


class StartCheckinUseCase:
    """Begin, or continue where it stopped, the person's own open check-in."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: StartCheckin) -> CheckinStart:
        now = self._clock.now()
        async with self._uow() as uow:
            checkin = await own_checkin(uow, cmd.user_id, cmd.checkin_id)
            if cmd.started_only and checkin.response_id is None:
                raise CheckinNotFound()
            if not checkin.answerable:
                raise CheckinClosed()
            client = await uow.clients.get(checkin.client_id)
            assert client is not None
            if not await client_has_access(uow, client, now):
                raise AccessLapsedError()
            response = await open_or_start_response(
                uow,
                user_id=cmd.user_id,
                form_key=checkin.form_key,
                purpose=checkin.purpose,
                now=now,
            )
            if checkin.response_id is None:
                checkin.response_id = response.id
                checkin.started_at = now
                await uow.checkins.save(checkin)
            await uow.commit()
        return CheckinStart(checkin, step_of(response))


async def own_checkin(uow: UnitOfWork, user_id: int, checkin_id: int | None) -> Checkin:
    if checkin_id is None:
        checkin = await _current_checkin(uow, user_id)
    else:
        checkin = await uow.checkins.get(checkin_id)
    if checkin is None or checkin.user_id != user_id:
        raise CheckinNotFound()
    return checkin


async def _current_checkin(uow: UnitOfWork, user_id: int) -> Checkin | None:
    found = [
        checkin
        for client in await uow.clients.list_for_user(user_id)
        if client.id is not None
        and (checkin := await uow.checkins.open_for_client(client.id)) is not None
    ]
    return max(found, key=lambda c: c.due_at) if found else None


async def replan_for_user(uow: UnitOfWork, user: User, now: datetime) -> None:
    """A client's time zone changed: their next check-ins move to the new local time."""
    assert user.id is not None
    for client in await uow.clients.list_for_user(user.id):
        assert client.id is not None
        plan = await uow.checkins.get_plan(client.id)
        if plan is not None and plan.active and client.status is ClientStatus.active:
            plan.next_due_at = next_due(plan.schedule, after=now, timezone=user.timezone)
            plan.updated_at = now
            await uow.checkins.save_plan(plan)


# -- trying check-ins out -------------------------------------------------------------


class CheckinForwardOutcome(StrEnum):
    due_now = "due_now"  # the next check-in is due now: the next tick opens it
    already_open = "already_open"
    no_schedule = "no_schedule"
    not_a_client = "not_a_client"


@dataclass(frozen=True, kw_only=True)
class BringCheckinForward:
    telegram_id: int


@dataclass(frozen=True)
class CheckinBroughtForward:
    outcome: CheckinForwardOutcome
    client_name: str = ""
    quiet_until: str = ""  # "07:00" when the client's quiet hours hold its message back


class BringCheckinForwardUseCase:
    """Make a client's next scheduled check-in due now, so it can be tried without
    waiting for its day (the sandbox offers this). The schedule stays as it was: after
    this one, check-ins come on their usual days."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: BringCheckinForward) -> CheckinBroughtForward:
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get_by_telegram_id(cmd.telegram_id)
            clients = await uow.clients.list_for_user(user.id) if user and user.id else []
            active = [c for c in clients if c.status is ClientStatus.active and c.id]
            if not active:
                return CheckinBroughtForward(CheckinForwardOutcome.not_a_client)
            for client in active:
                assert client.id is not None
                if await uow.checkins.open_for_client(client.id) is not None:
                    return CheckinBroughtForward(
                        CheckinForwardOutcome.already_open, client.display_name
                    )
                plan = await uow.checkins.get_plan(client.id)
                if plan is not None and plan.active:
                    plan.next_due_at = now
                    plan.updated_at = now
                    await uow.checkins.save_plan(plan)
                    await uow.commit()
                    assert user is not None
                    quiet = user.quiet_end if send_time(user, now) > now else ""
                    return CheckinBroughtForward(
                        CheckinForwardOutcome.due_now, client.display_name, quiet
                    )
        return CheckinBroughtForward(CheckinForwardOutcome.no_schedule, active[0].display_name)
