"""The client's side of check-ins, and the timed work that drives them.

The tick use cases derive everything from the database and write outbox rows with
idempotency keys, so a tick that runs twice, or after a restart, sends nothing twice:
each check-in gets one "ready" message, at most one nudge, one missed follow-up, and the
coach one alert per run of misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coachbot.domain.billing.dunning import client_has_access
from coachbot.domain.billing.errors import AccessLapsedError
from coachbot.domain.checkins.model import Checkin, CheckinPlan, CheckinStatus, MetricEntry
from coachbot.domain.checkins.schedule import due_times, next_due
from coachbot.domain.forms.questions import QuestionKind
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.forms.use_cases import FormStep, open_or_start_response, step_of
from coachbot.domain.goals.evaluation import record_progress
from coachbot.domain.outbox.notices import notice_for, send_time
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

BATCH = 200  # rows per tick; the next tick takes the rest


class CheckinNotFound(NotAllowedError):
    """No such check-in, or not this person's."""


class CheckinClosed(NotAllowedError):
    """The check-in can no longer be answered: the next one is due."""


# -- ticks ----------------------------------------------------------------------------


class OpenDueCheckinsUseCase:
    """Open the check-ins whose time has come and tell each client it is ready."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        opened = 0
        async with self._uow() as uow:
            for plan in await uow.checkins.due_plans(now=now, limit=BATCH):
                opened += await self._open(uow, plan, now)
            await uow.commit()
        return opened

    async def _open(self, uow: UnitOfWork, plan: CheckinPlan, now: datetime) -> int:
        client = await uow.clients.get(plan.client_id)
        assert client is not None and client.user_id is not None and plan.next_due_at
        user = await uow.users.get(client.user_id)
        template = await uow.checkins.get_template(plan.template_id)
        assert user is not None and template is not None
        # After downtime only the latest due time counts: no burst of stale check-ins.
        due = plan.next_due_at
        missed_times = due_times(plan.schedule, after=due, until=now, timezone=user.timezone)
        due = missed_times[-1] if missed_times else due
        plan.next_due_at = next_due(plan.schedule, after=due, timezone=user.timezone)
        plan.updated_at = now
        await uow.checkins.save_plan(plan)
        if not await client_has_access(uow, client, now):
            return 0  # the coach requires a paid plan: this one is skipped, not owed
        await self._close_previous(uow, client, now)
        checkin = await uow.checkins.add(
            Checkin(
                client_id=client.id or 0,
                coach_id=client.coach_id,
                user_id=user.id or 0,
                template_id=plan.template_id,
                form_key=template.form_key,
                due_at=due,
            )
        )
        await uow.outbox.enqueue(
            notice_for(
                user,
                "checkin_ready",
                {"checkin_id": checkin.id, "name": user.call_name},
                key=f"checkin-ready:{checkin.id}",
                now=now,
                not_before=send_time(user, max(due, now)),
                expires_at=plan.next_due_at,
            )
        )
        return 1

    async def _close_previous(self, uow: UnitOfWork, client: Client, now: datetime) -> None:
        assert client.id is not None
        previous = await uow.checkins.open_for_client(client.id)
        if previous is not None:
            previous.status = CheckinStatus.closed
            previous.closed_at = now
            previous.missed_at = previous.missed_at or now
            await uow.checkins.save(previous)


class FollowUpCheckinsUseCase:
    """Nudge clients who have not finished, mark missed check-ins after the coach's
    grace period with a friendly follow-up, and alert the coach after K in a row."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        sent = 0
        coaches: dict[int, Coach] = {}
        async with self._uow() as uow:
            for checkin in await uow.checkins.open_checkins(due_before=now, limit=BATCH * 5):
                if checkin.coach_id not in coaches:
                    coach = await uow.coaches.get(checkin.coach_id)
                    assert coach is not None
                    coaches[checkin.coach_id] = coach
                sent += await self._follow_up(uow, checkin, coaches[checkin.coach_id], now)
            await uow.commit()
        return sent

    async def _follow_up(
        self, uow: UnitOfWork, checkin: Checkin, coach: Coach, now: datetime
    ) -> int:
        rules = coach.checkin_rules
        user = await uow.users.get(checkin.user_id)
        client = await uow.clients.get(checkin.client_id)
        assert user is not None and client is not None and checkin.id is not None
        if not await client_has_access(uow, client, now):
            return 0  # no reminders while coaching is paused for an unpaid plan
        if checkin.missed_at is None and now >= rules.missed_at(checkin.due_at):
            checkin.missed_at = now
            await uow.checkins.save(checkin)
            await uow.outbox.enqueue(
                notice_for(
                    user,
                    "checkin_missed",
                    {"checkin_id": checkin.id, "name": user.call_name},
                    key=f"checkin-missed:{checkin.id}",
                    now=now,
                    not_before=send_time(user, now),
                )
            )
            return 1 + await self._alert_coach(uow, checkin, coach, now)
        nudge_due = checkin.nudged_at is None and now >= rules.nudge_at(checkin.due_at)
        if nudge_due and checkin.missed_at is None:
            checkin.nudged_at = now
            await uow.checkins.save(checkin)
            await uow.outbox.enqueue(
                notice_for(
                    user,
                    "checkin_nudge",
                    {"checkin_id": checkin.id, "started": checkin.response_id is not None},
                    key=f"checkin-nudge:{checkin.id}",
                    now=now,
                    not_before=send_time(user, now),
                    expires_at=rules.missed_at(checkin.due_at),
                )
            )
            return 1
        return 0

    async def _alert_coach(
        self, uow: UnitOfWork, checkin: Checkin, coach: Coach, now: datetime
    ) -> int:
        """Exactly one alert per run of misses: when the run reaches K."""
        k = coach.checkin_rules.alert_after_misses
        recent = await uow.checkins.recent_for_client(checkin.client_id, limit=k + 1)
        run = 0
        for earlier in recent:
            if earlier.submitted_at is not None or earlier.missed_at is None:
                break
            run += 1
        if run != k:
            return 0
        client = await uow.clients.get(checkin.client_id)
        coach_user = await uow.users.get(coach.user_id)
        assert client is not None and coach_user is not None
        await uow.outbox.enqueue(
            notice_for(
                coach_user,
                "checkins_missed_alert",
                {"client_id": client.id, "name": client.display_name, "count": k},
                key=f"checkin-missed-alert:{checkin.id}",
                now=now,
            )
        )
        return 1


# -- the client -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StartCheckin:
    user_id: int
    checkin_id: int | None = None  # None: the person's current open check-in


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
            checkin = await _own_checkin(uow, cmd.user_id, cmd.checkin_id)
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


async def _own_checkin(uow: UnitOfWork, user_id: int, checkin_id: int | None) -> Checkin:
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


@dataclass(frozen=True, kw_only=True)
class SubmitCheckin:
    user_id: int
    response_id: int


@dataclass(frozen=True)
class CheckinSubmitted:
    checkin: Checkin
    metrics: int  # measurements recorded from the answers
    late: bool


class SubmitCheckinUseCase:
    """The client finished the form: record the metric answers as measurements, attach
    the photos, queue it for the coach and tell them."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SubmitCheckin) -> CheckinSubmitted:
        now = self._clock.now()
        async with self._uow() as uow:
            response = await uow.forms.get_response(cmd.response_id)
            if response is None or response.user_id != cmd.user_id:
                raise CheckinNotFound()
            checkin = await _own_checkin(uow, cmd.user_id, checkin_id_of(response.purpose))
            if checkin.status is not CheckinStatus.open:
                return CheckinSubmitted(checkin, 0, checkin.late)
            checkin.status = CheckinStatus.submitted
            checkin.submitted_at = now
            await uow.checkins.save(checkin)
            recorded = await _record_metrics(uow, checkin, response, now)
            await uow.photos.attach(photo_ids(response), checkin_id=checkin.id or 0)
            client = await uow.clients.get(checkin.client_id)
            assert client is not None
            await record_progress(uow, client, now, checkin=True)
            await self._tell_coach(uow, checkin, now)
            await uow.commit()
        return CheckinSubmitted(checkin, recorded, checkin.late)

    async def _tell_coach(self, uow: UnitOfWork, checkin: Checkin, now: datetime) -> None:
        coach = await uow.coaches.get(checkin.coach_id)
        client = await uow.clients.get(checkin.client_id)
        assert coach is not None and client is not None
        coach_user = await uow.users.get(coach.user_id)
        assert coach_user is not None
        waiting = await uow.checkins.count_review_queue(checkin.coach_id)
        await uow.outbox.enqueue(
            notice_for(
                coach_user,
                "checkin_submitted",
                {
                    "checkin_id": checkin.id,
                    "name": client.display_name,
                    "waiting": waiting,
                    "late": checkin.late,
                },
                key=f"checkin-submitted:{checkin.id}",
                now=now,
            )
        )


def checkin_id_of(purpose: str) -> int:
    prefix, _, number = purpose.partition(":")
    if prefix != "checkin" or not number.isdigit():
        raise CheckinNotFound()
    return int(number)


def photo_ids(response: FormResponse) -> list[int]:
    ids: list[int] = []
    for question in response.template.questions:
        value = response.progress.answers.get(question.key)
        if question.kind is QuestionKind.photo and value:
            ids.extend(int(i) for i in value)
    return ids


async def _record_metrics(
    uow: UnitOfWork, checkin: Checkin, response: FormResponse, now: datetime
) -> int:
    """Answers to metric questions become measurements (already in kg, cm or %)."""
    recorded = 0
    for question in response.template.questions:
        value = response.progress.answers.get(question.key)
        if question.kind is QuestionKind.metric and question.metric and value is not None:
            await uow.metrics.add(
                MetricEntry(
                    client_id=checkin.client_id,
                    metric=question.metric.value,
                    value=float(value),
                    measured_at=now,
                    created_at=now,
                    source="checkin",
                    checkin_id=checkin.id,
                )
            )
            recorded += 1
    return recorded


async def replan_for_user(uow: UnitOfWork, user: User, now: datetime) -> None:
    """A client's time zone changed: their next check-ins move to the new local time."""
    assert user.id is not None
    for client in await uow.clients.list_for_user(user.id):
        assert client.id is not None
        plan = await uow.checkins.get_plan(client.id)
        if plan is not None and plan.active:
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
