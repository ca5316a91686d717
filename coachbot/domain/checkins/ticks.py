"""The timed work that drives check-ins.

The tick use cases derive everything from the database and write outbox rows with
idempotency keys, so a tick that runs twice, or after a restart, sends nothing twice:
each check-in gets one "ready" message, at most one nudge, one missed follow-up, and the
coach one alert per run of misses.

Each tick is set-based: it reads a batch of exactly the rows that need work (plans due,
open check-ins whose next follow-up is due, both under partial indexes), decides in
Python, writes the batch back in a handful of statements in one transaction, and goes on
until nothing is due. A batch that fails is rolled back whole and found again by the
next tick; the unique keys (one check-in per client and due time, one outbox row per
idempotency key) make a re-run write nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coachbot.domain.billing.model import BillingSettings
from coachbot.domain.checkins import notices
from coachbot.domain.checkins.model import Checkin, CheckinPlan, CheckinRules, CheckinStatus
from coachbot.domain.checkins.ports import DueFollowUp, DuePlan
from coachbot.domain.checkins.schedule import due_times, next_due
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.outbox.notices import notice_for, send_time
from coachbot.domain.people.model import Client, ClientStatus, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

BATCH = 1000  # rows per transaction; a tick goes on batch after batch until none is due
ACCESS_RECHECK = timedelta(hours=1)  # a client without access (unpaid) is looked at again


def occurrence(plan: CheckinPlan, timezone: str, now: datetime) -> tuple[datetime, datetime | None]:
    """The check-in a due plan opens now and the plan's next due time after it. After
    downtime only the latest due time counts: no burst of stale check-ins."""
    assert plan.next_due_at is not None
    due = plan.next_due_at
    missed_times = due_times(plan.schedule, after=due, until=now, timezone=timezone)
    due = missed_times[-1] if missed_times else due
    return due, next_due(plan.schedule, after=due, timezone=timezone)


def misses_in_a_row(recent: Sequence[Checkin]) -> int:
    """How many of a client's latest check-ins (newest first) were missed in a row."""
    run = 0
    for earlier in recent:
        if earlier.submitted_at is not None or earlier.missed_at is None:
            break
        run += 1
    return run


class _Access:
    """Whether clients have access (a coach may require a paid plan), with each coach's
    billing settings read once per batch."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self._uow = uow
        self._now = now
        self._settings: dict[int, BillingSettings] = {}

    async def allows(self, client: Client) -> bool:
        assert client.id is not None
        settings = self._settings.get(client.coach_id)
        if settings is None:
            settings = await self._uow.billing.settings(client.coach_id)
            self._settings[client.coach_id] = settings
        if not settings.require_subscription:  # no need to read the subscriptions
            return True
        subscriptions = await self._uow.billing.subscriptions_of_client(client.id)
        return settings.grants_access(subscriptions, self._now)


class _SendTimes:
    """`send_time` for many people at once: the same zone, quiet hours and moment give
    the same time, computed once."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str, str, datetime], datetime] = {}

    def __call__(self, user: User, at: datetime) -> datetime:
        key = (user.timezone, user.quiet_start, user.quiet_end, at)
        if key not in self._known:
            self._known[key] = send_time(user, at)
        return self._known[key]


@dataclass
class _Misses:
    """Check-ins marked missed in one batch, and what that tells the client and coach."""

    now: datetime
    messages: list[OutgoingMessage] = field(default_factory=list)
    missed: list[tuple[Checkin, User, User, CheckinRules, str]] = field(default_factory=list)

    def mark(
        self,
        checkin: Checkin,
        *,
        user: User,
        coach_user: User,
        rules: CheckinRules,
        client_name: str,
        superseded: bool = False,
    ) -> None:
        """The missed path: the check-in counts as missed and the client hears from us
        (the coach too, once the misses in a row reach their limit: see `alerts`)."""
        assert checkin.id is not None
        checkin.missed_at = self.now
        checkin.next_action_at = None
        self.messages.append(
            notice_for(
                user,
                notices.CheckinMissed(
                    checkin_id=checkin.id, name=user.call_name, superseded=superseded
                ),
                key=f"checkin-missed:{checkin.id}",
                now=self.now,
                not_before=send_time(user, self.now),
            )
        )
        self.missed.append((checkin, user, coach_user, rules, client_name))

    async def alerts(self, uow: UnitOfWork) -> list[OutgoingMessage]:
        """Exactly one alert per run of misses: when the run reaches the coach's K."""
        if not self.missed:
            return []
        longest = max(rules.alert_after_misses for *_, rules, _name in self.missed)
        recent = await uow.checkins.recent_for_clients(
            sorted({checkin.client_id for checkin, *_ in self.missed}), limit=longest + 1
        )
        marked = {checkin.id: checkin for checkin, *_ in self.missed}
        alerts = []
        for checkin, _user, coach_user, rules, client_name in self.missed:
            k = rules.alert_after_misses
            history = [marked.get(c.id, c) for c in recent.get(checkin.client_id, ())]
            if misses_in_a_row(history[: k + 1]) != k:
                continue
            alerts.append(
                notice_for(
                    coach_user,
                    notices.CheckinsMissedAlert(
                        client_id=checkin.client_id, name=client_name, count=k
                    ),
                    key=f"checkin-missed-alert:{checkin.id}",
                    now=self.now,
                )
            )
        return alerts


class OpenDueCheckinsUseCase:
    """Open the check-ins whose time has come and tell each client it is ready."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, batch: int = BATCH) -> None:
        self._uow = uow
        self._clock = clock
        self._batch = batch

    async def __call__(self) -> int:
        now = self._clock.now()
        opened = 0
        # Each batch is read after the last one's (due time, client id): no plan is read
        # twice in a run, whatever its batch did to it.
        after: tuple[datetime, int] | None = None
        while True:
            async with self._uow() as uow:
                due = await uow.checkins.due_plan_batch(now=now, limit=self._batch, after=after)
                if not due:
                    return opened
                last = due[-1].plan
                assert last.next_due_at is not None
                after = (last.next_due_at, last.client_id)
                opened += await self._open_batch(uow, due, now)
                await uow.commit()
            if len(due) < self._batch:
                return opened

    async def _open_batch(self, uow: UnitOfWork, due: Sequence[DuePlan], now: datetime) -> int:
        access = _Access(uow, now)
        next_due_at: dict[int, datetime | None] = {}
        opening: list[tuple[DuePlan, User, datetime]] = []
        # Clients due together mostly share schedule, zone and due time: computed once.
        occurrences: dict[tuple, tuple[datetime, datetime | None]] = {}
        for item in due:
            plan, client, user = item.plan, item.client, item.user
            if client.status is not ClientStatus.active or user is None:
                # Paused, archived or gone: no next time until resumed (from then on).
                next_due_at[plan.client_id] = None
                continue
            key = (plan.schedule, user.timezone, plan.next_due_at)
            if key not in occurrences:
                occurrences[key] = occurrence(plan, user.timezone, now)
            due_at, next_due_at[plan.client_id] = occurrences[key]
            if await access.allows(client):  # else skipped, not owed
                opening.append((item, user, due_at))
        await uow.checkins.set_next_due(next_due_at, now=now)
        if not opening:
            return 0
        misses = _Misses(now)
        await self._close_previous(uow, opening, misses)
        alerts = await misses.alerts(uow)  # before the new check-ins count as the latest
        added = await uow.checkins.add_many(
            [
                Checkin(
                    client_id=item.plan.client_id,
                    coach_id=item.client.coach_id,
                    user_id=user.id or 0,
                    template_id=item.plan.template_id,
                    form_key=item.form_key,
                    due_at=due_at,
                    next_action_at=item.coach.checkin_rules.nudge_at(due_at),
                )
                for item, user, due_at in opening
            ]
        )
        by_client = {item.plan.client_id: (item, user) for item, user, _due in opening}
        sending = _SendTimes()
        ready = []
        for checkin in added:
            item, user = by_client[checkin.client_id]
            ready.append(
                notice_for(
                    user,
                    notices.CheckinReady(checkin_id=checkin.id or 0, name=user.call_name),
                    key=f"checkin-ready:{checkin.id}",
                    now=now,
                    not_before=sending(user, max(checkin.due_at, now)),
                    expires_at=next_due_at[checkin.client_id],
                )
            )
        await uow.outbox.enqueue_many(misses.messages + alerts + ready)
        return len(added)

    async def _close_previous(
        self,
        uow: UnitOfWork,
        opening: Sequence[tuple[DuePlan, User, datetime]],
        misses: _Misses,
    ) -> None:
        """The check-ins still open close as the new ones open; one not missed yet goes
        through the missed path first, as the follow-up tick would have taken it."""
        people = {item.plan.client_id: (item, user) for item, user, _due in opening}
        previous = await uow.checkins.open_for_clients(sorted(people))
        for checkin in previous:
            item, user = people[checkin.client_id]
            if checkin.missed_at is None:
                misses.mark(
                    checkin,
                    user=user,
                    coach_user=item.coach_user,
                    rules=item.coach.checkin_rules,
                    client_name=item.client.display_name,
                    superseded=True,
                )
            checkin.status = CheckinStatus.closed
            checkin.closed_at = misses.now
            checkin.next_action_at = None
        await uow.checkins.save_follow_ups(previous)


class FollowUpCheckinsUseCase:
    """Nudge clients who have not finished, mark missed check-ins after the coach's
    grace period with a friendly follow-up, and alert the coach after K in a row."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, batch: int = BATCH) -> None:
        self._uow = uow
        self._clock = clock
        self._batch = batch

    async def __call__(self) -> int:
        now = self._clock.now()
        sent = 0
        seen: set[int] = set()
        while True:
            async with self._uow() as uow:
                due = await uow.checkins.follow_up_batch(now=now, limit=self._batch)
                fresh = [item for item in due if item.checkin.id not in seen]
                if not fresh:  # every check-in read moves on; this guards against a loop
                    return sent
                seen.update(item.checkin.id or 0 for item in fresh)
                sent += await self._follow_up_batch(uow, fresh, now)
                await uow.commit()
            if len(due) < self._batch:
                return sent

    async def _follow_up_batch(
        self, uow: UnitOfWork, due: Sequence[DueFollowUp], now: datetime
    ) -> int:
        access = _Access(uow, now)
        misses = _Misses(now)
        nudges: list[OutgoingMessage] = []
        for item in due:
            checkin, user, rules = item.checkin, item.user, item.coach.checkin_rules
            assert checkin.id is not None
            if not await access.allows(item.client):
                # No reminders while coaching is paused for an unpaid plan.
                checkin.next_action_at = now + ACCESS_RECHECK
            elif checkin.missed_at is not None or checkin.status is not CheckinStatus.open:
                checkin.next_action_at = None
            elif now >= rules.missed_at(checkin.due_at):
                misses.mark(
                    checkin,
                    user=user,
                    coach_user=item.coach_user,
                    rules=rules,
                    client_name=item.client.display_name,
                )
            elif checkin.nudged_at is None and now >= rules.nudge_at(checkin.due_at):
                checkin.nudged_at = now
                checkin.next_action_at = rules.missed_at(checkin.due_at)
                nudges.append(
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
            else:  # not yet (the rules changed): its time under the current rules
                checkin.next_action_at = rules.next_action_at(checkin)
        await uow.checkins.save_follow_ups([item.checkin for item in due])
        outgoing = misses.messages + await misses.alerts(uow) + nudges
        await uow.outbox.enqueue_many(outgoing)
        return len(outgoing)
