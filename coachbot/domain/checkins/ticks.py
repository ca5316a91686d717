"""The timed work that drives check-ins.

The tick use cases derive everything from the database and write outbox rows with
idempotency keys, so a tick that runs twice, or after a restart, sends nothing twice:
each check-in gets one "ready" message, at most one nudge, one missed follow-up, and the
coach one alert per run of misses.
"""

from __future__ import annotations

from datetime import datetime

from coachbot.domain.billing.dunning import client_has_access
from coachbot.domain.checkins import notices
from coachbot.domain.checkins.model import Checkin, CheckinPlan, CheckinStatus
from coachbot.domain.checkins.schedule import due_times, next_due
from coachbot.domain.outbox.notices import notice_for, send_time
from coachbot.domain.people.model import Client, Coach
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

BATCH = 200  # rows per tick; the next tick takes the rest


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
                notices.CheckinReady(checkin_id=checkin.id or 0, name=user.call_name),
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
                    notices.CheckinMissed(checkin_id=checkin.id, name=user.call_name),
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
                    notices.CheckinNudge(
                        checkin_id=checkin.id, started=checkin.response_id is not None
                    ),
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
                notices.CheckinsMissedAlert(
                    client_id=client.id or 0, name=client.display_name, count=k
                ),
                key=f"checkin-missed-alert:{checkin.id}",
                now=now,
            )
        )
        return 1
