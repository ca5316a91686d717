"""Check-in templates, plans, check-ins and threads; photos; metric entries, in memory."""

from __future__ import annotations

import copy
from collections.abc import Sequence
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

    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[CheckinPlan]:
        return plans_due(self._db, self._db.checkin_plans, now=now, limit=limit)

    async def add(self, checkin: Checkin) -> Checkin:
        return self._table.insert(checkin)

    async def get(self, checkin_id: int) -> Checkin | None:
        return self._table.get(checkin_id)

    async def save(self, checkin: Checkin) -> None:
        self._table.update(checkin)

    async def open_checkins(self, *, due_before: datetime, limit: int) -> Sequence[Checkin]:
        return self._table.select(
            lambda c: c.status == CheckinStatus.open and c.due_at <= due_before,
            order=lambda c: (c.due_at, c.id),
            limit=limit,
        )

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
