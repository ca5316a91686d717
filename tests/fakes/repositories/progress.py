"""Custom metrics, achievements, report plans and generated files, in memory."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from coachbot.domain.goals.model import Achievement
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from tests.fakes.database import FakeDatabase
from tests.fakes.repositories.checkins import plans_due


class FakeCustomMetrics:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._table = db.custom_metrics

    async def add(self, metric: CustomMetric) -> CustomMetric:
        self._db.bump_data_versions(lambda c: c.coach_id == metric.coach_id)
        return self._table.insert(metric)

    async def get(self, metric_id: int) -> CustomMetric | None:
        return self._table.get(metric_id)

    async def update(self, metric: CustomMetric) -> None:
        self._db.bump_data_versions(lambda c: c.coach_id == metric.coach_id)
        self._table.update(metric)

    async def list_for_coach(self, coach_id: int) -> Sequence[CustomMetric]:
        return self._table.select(lambda m: m.coach_id == coach_id)


class FakeAchievements:
    def __init__(self, db: FakeDatabase) -> None:
        self._table = db.achievements

    async def add(self, achievement: Achievement) -> bool:
        # Like the SQL insert, the caller's object gets no id.
        key = (achievement.client_id, achievement.key)
        if self._table.first(lambda a: (a.client_id, a.key) == key):
            return False
        self._table.insert(copy.deepcopy(achievement))
        return True

    async def list_for_client(self, client_id: int) -> Sequence[Achievement]:
        return self._table.select(
            lambda a: a.client_id == client_id, order=lambda a: (a.achieved_at, a.id)
        )


class FakeReports:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def get_plan(self, client_id: int) -> ReportPlan | None:
        return copy.deepcopy(self._db.report_plans.get(client_id))

    async def save_plan(self, plan: ReportPlan) -> None:
        self._db.report_plans[plan.client_id] = copy.deepcopy(plan)

    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[ReportPlan]:
        return plans_due(self._db, self._db.report_plans, now=now, limit=limit)

    async def add_file(self, file: GeneratedFile) -> GeneratedFile:
        return self._db.generated_files.insert(file)

    async def expired_files(self, *, now: datetime, limit: int) -> Sequence[GeneratedFile]:
        return self._db.generated_files.select(
            lambda f: f.delete_after <= now, order=lambda f: (f.delete_after, f.id), limit=limit
        )

    async def delete_file(self, file_id: int) -> None:
        self._db.generated_files.delete(file_id)
