"""Check-in templates, plans, check-ins and threads; photos; metric entries, in memory."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from coachbot.domain.checkins.model import (
    Checkin,
    CheckinPlan,
    CheckinStatus,
    CheckinTemplate,
    MetricEntry,
    Photo,
    ThreadMessage,
)
from coachbot.domain.checkins.ports import DueFollowUp, DuePlan
from coachbot.domain.checkins.schedule import CheckinSchedule
from coachbot.domain.people.model import ClientStatus
from tests.fakes.database import FakeDatabase
from tests.fakes.table import as_json


def plans_due(db: FakeDatabase, plans: dict, *, now: datetime, limit: int) -> list:
    """Active plans of active clients (with a Telegram user) due by `now`: the join the
    SQL repositories make for check-in and report plans."""

    def due(plan) -> bool:
        client = db.clients.rows.get(plan.client_id)
        return (
            plan.active
            and plan.next_due_at is not None
            and plan.next_due_at <= now
            and client is not None
            and client.status == ClientStatus.active
            and client.user_id is not None
        )

    found = sorted((p for p in plans.values() if due(p)), key=lambda p: p.next_due_at)
    return [copy.deepcopy(plan) for plan in found[:limit]]


class FakeCheckins:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._table = db.checkins

    async def add_template(self, template: CheckinTemplate) -> CheckinTemplate:
        return self._db.checkin_templates.insert(template)

    async def get_template(self, template_id: int) -> CheckinTemplate | None:
        return self._db.checkin_templates.get(template_id)

    async def list_templates(self, coach_id: int) -> Sequence[CheckinTemplate]:
        return self._db.checkin_templates.select(lambda t: t.coach_id == coach_id)

    async def update_template(self, template: CheckinTemplate) -> None:
        self._db.checkin_templates.update(template, fields=("name", "archived"))

    async def get_plan(self, client_id: int) -> CheckinPlan | None:
        return copy.deepcopy(self._db.checkin_plans.get(client_id))

    async def save_plan(self, plan: CheckinPlan) -> None:
        schedule = CheckinSchedule.from_data(as_json(plan.schedule.to_data()))
        self._db.checkin_plans[plan.client_id] = replace(copy.deepcopy(plan), schedule=schedule)

    async def due_plan_batch(
        self, *, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[DuePlan]:
        plans = sorted(
            (
                p
                for p in self._db.checkin_plans.values()
                if p.active
                and p.next_due_at is not None
                and p.next_due_at <= now
                and (after is None or (p.next_due_at, p.client_id) > after)
            ),
            key=lambda p: (p.next_due_at, p.client_id),
        )[:limit]
        found = []
        for plan in plans:
            client = self._db.clients.get(plan.client_id)
            template = self._db.checkin_templates.get(plan.template_id)
            assert client is not None and template is not None
            coach = self._db.coaches.get(client.coach_id)
            assert coach is not None
            coach_user = self._db.users.get(coach.user_id)
            assert coach_user is not None
            found.append(
                DuePlan(
                    plan=copy.deepcopy(plan),
                    client=client,
                    user=self._db.users.get(client.user_id),
                    coach=coach,
                    coach_user=coach_user,
                    form_key=template.form_key,
                )
            )
        return found

    async def set_next_due(self, next_due: Mapping[int, datetime | None], *, now: datetime) -> None:
        for client_id, due in next_due.items():
            plan = self._db.checkin_plans[client_id]
            self._db.checkin_plans[client_id] = replace(plan, next_due_at=due, updated_at=now)

    async def add(self, checkin: Checkin) -> Checkin:
        return self._table.insert(checkin)

    async def add_many(self, checkins: Sequence[Checkin]) -> Sequence[Checkin]:
        stored = {(c.client_id, c.due_at) for c in self._table.rows.values()}
        return [
            self._table.insert(checkin)
            for checkin in checkins
            if (checkin.client_id, checkin.due_at) not in stored
        ]

    async def save_follow_ups(self, checkins: Sequence[Checkin]) -> None:
        fields = ("status", "nudged_at", "missed_at", "closed_at", "next_action_at")
        for checkin in checkins:
            self._table.update(checkin, fields=fields)

    async def follow_up_batch(self, *, now: datetime, limit: int) -> Sequence[DueFollowUp]:
        found = []
        for checkin in self._table.select(
            lambda c: c.next_action_at is not None and c.next_action_at <= now,
            order=lambda c: (c.next_action_at, c.id),
            limit=limit,
        ):
            client = self._db.clients.get(checkin.client_id)
            user = self._db.users.get(checkin.user_id)
            coach = self._db.coaches.get(checkin.coach_id)
            assert client is not None and user is not None and coach is not None
            coach_user = self._db.users.get(coach.user_id)
            assert coach_user is not None
            found.append(DueFollowUp(checkin, client, user, coach, coach_user))
        return found

    async def reschedule_follow_ups(self, coach_id: int) -> None:
        for checkin in self._table.select(
            lambda c: (
                c.coach_id == coach_id and c.status == CheckinStatus.open and c.missed_at is None
            )
        ):
            checkin.next_action_at = checkin.due_at
            self._table.update(checkin, fields=("next_action_at",))

    async def open_for_clients(self, client_ids: Sequence[int]) -> Sequence[Checkin]:
        wanted = set(client_ids)
        return self._table.select(
            lambda c: c.client_id in wanted and c.status == CheckinStatus.open,
            order=lambda c: (c.client_id, c.due_at, c.id),
        )

    async def recent_for_clients(
        self, client_ids: Sequence[int], *, limit: int
    ) -> Mapping[int, Sequence[Checkin]]:
        return {
            client_id: await self.recent_for_client(client_id, limit=limit)
            for client_id in client_ids
        }

    async def get(self, checkin_id: int) -> Checkin | None:
        return self._table.get(checkin_id)

    async def save(self, checkin: Checkin) -> None:
        self._table.update(checkin)

    async def open_for_client(self, client_id: int) -> Checkin | None:
        return self._table.first(
            lambda c: c.client_id == client_id and c.status == CheckinStatus.open,
            order=lambda c: (c.due_at, -c.id),
            desc=True,
        )

    async def recent_for_client(self, client_id: int, *, limit: int) -> Sequence[Checkin]:
        return self._table.select(
            lambda c: c.client_id == client_id,
            order=lambda c: (c.due_at, -c.id),
            desc=True,
            limit=limit,
        )

    async def previous_submitted(self, checkin: Checkin) -> Checkin | None:
        return self._table.first(
            lambda c: (
                c.client_id == checkin.client_id
                and c.due_at < checkin.due_at
                and c.submitted_at is not None
            ),
            order=lambda c: (c.due_at, -c.id),
            desc=True,
        )

    async def review_queue(
        self, coach_id: int, *, limit: int, after: Checkin | None = None
    ) -> Sequence[Checkin]:
        place = (after.submitted_at, after.id) if after and after.submitted_at else None
        return self._table.select(
            lambda c: (
                c.coach_id == coach_id
                and c.status == CheckinStatus.submitted
                and (place is None or (c.submitted_at, c.id) > place)
            ),
            order=lambda c: (c.submitted_at, c.id),
            limit=limit,
        )

    async def count_review_queue(self, coach_id: int) -> int:
        return len(await self.review_queue(coach_id, limit=len(self._table.rows)))

    async def add_message(self, message: ThreadMessage) -> ThreadMessage:
        return self._db.thread.insert(message)

    async def list_messages(self, checkin_id: int) -> Sequence[ThreadMessage]:
        return await self.messages_for_checkins([checkin_id])

    async def messages_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[ThreadMessage]:
        wanted = set(checkin_ids)
        return self._db.thread.select(
            lambda m: m.checkin_id in wanted, order=lambda m: (m.checkin_id, m.id)
        )


class FakePhotos:
    def __init__(self, db: FakeDatabase) -> None:
        self._table = db.photos

    async def add(self, photo: Photo) -> Photo:
        return self._table.insert(photo)

    async def get(self, photo_id: int) -> Photo | None:
        return self._table.get(photo_id)

    async def list(self, photo_ids: Sequence[int]) -> Sequence[Photo]:
        found = (self._table.get(i) for i in photo_ids)
        return [photo for photo in found if photo is not None]

    async def attach(self, photo_ids: Sequence[int], *, checkin_id: int) -> None:
        for photo in await self.list(photo_ids):
            photo.checkin_id = checkin_id
            self._table.update(photo, fields=("checkin_id",))

    async def list_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[Photo]:
        wanted = set(checkin_ids)
        return self._table.select(
            lambda p: p.checkin_id in wanted, order=lambda p: (p.checkin_id, p.id)
        )


class FakeMetrics:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._table = db.metrics

    async def add(self, entry: MetricEntry) -> MetricEntry:
        self._db.bump_data_versions(lambda c: c.id == entry.client_id)
        return self._table.insert(entry)

    async def list_for_client(self, client_id: int, metric: str) -> Sequence[MetricEntry]:
        return self._table.select(
            lambda e: e.client_id == client_id and e.metric == metric, order=_measured
        )

    async def get(self, entry_id: int) -> MetricEntry | None:
        return self._table.get(entry_id)

    async def update(self, entry: MetricEntry) -> None:
        self._db.bump_data_versions(lambda c: c.id == entry.client_id)
        self._table.update(entry)

    async def delete(self, entry_id: int) -> None:
        entry = self._table.get(entry_id)
        if entry is not None:
            self._db.bump_data_versions(lambda c: c.id == entry.client_id)
        self._table.delete(entry_id)

    async def recent(self, client_id: int, *, limit: int) -> Sequence[MetricEntry]:
        return self._table.select(
            lambda e: e.client_id == client_id, order=_measured, desc=True, limit=limit
        )

    async def list_all(self, client_id: int) -> Sequence[MetricEntry]:
        return self._table.select(lambda e: e.client_id == client_id, order=_measured)

    async def list_for_clients(
        self, client_ids: Sequence[int], metric: str, *, since: datetime
    ) -> Sequence[MetricEntry]:
        wanted = set(client_ids)
        return self._table.select(
            lambda e: e.client_id in wanted and e.metric == metric and e.measured_at >= since,
            order=_measured,
        )


def _measured(entry: MetricEntry) -> tuple:
    return (entry.measured_at, entry.id)
