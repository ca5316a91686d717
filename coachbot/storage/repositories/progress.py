"""Custom metrics, achievements, monthly report plans and generated files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.goals.model import Achievement
from coachbot.domain.people.model import ClientStatus
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from coachbot.storage.repositories._mapping import (
    insert,
    row_values,
    rowcount,
    to_entity,
    update_row,
)
from coachbot.storage.repositories.outbox import insert_ignoring_conflicts
from coachbot.storage.repositories.people import bump_coach_data_versions
from coachbot.storage.tables import (
    AchievementRow,
    ClientRow,
    CustomMetricRow,
    GeneratedFileRow,
    ReportPlanRow,
)


class SqlCustomMetricRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, metric: CustomMetric) -> CustomMetric:
        await bump_coach_data_versions(self._session, metric.coach_id)
        return await insert(self._session, CustomMetricRow, metric)

    async def get(self, metric_id: int) -> CustomMetric | None:
        row = await self._session.get(CustomMetricRow, metric_id)
        return to_entity(CustomMetric, row) if row else None

    async def update(self, metric: CustomMetric) -> None:
        await bump_coach_data_versions(self._session, metric.coach_id)
        await update_row(self._session, CustomMetricRow, metric)

    async def list_for_coach(self, coach_id: int) -> Sequence[CustomMetric]:
        rows = await self._session.scalars(
            select(CustomMetricRow)
            .where(CustomMetricRow.coach_id == coach_id)
            .order_by(CustomMetricRow.id)
        )
        return [to_entity(CustomMetric, row) for row in rows]


class SqlAchievementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, achievement: Achievement) -> bool:
        values = row_values(achievement)
        values.pop("id", None)
        result = await self._session.execute(
            insert_ignoring_conflicts(self._session, AchievementRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["client_id", "key"])
        )
        return rowcount(result) == 1

    async def list_for_client(self, client_id: int) -> Sequence[Achievement]:
        rows = await self._session.scalars(
            select(AchievementRow)
            .where(AchievementRow.client_id == client_id)
            .order_by(AchievementRow.achieved_at, AchievementRow.id)
        )
        return [to_entity(Achievement, row) for row in rows]


class SqlReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_plan(self, client_id: int) -> ReportPlan | None:
        row = await self._session.get(ReportPlanRow, client_id)
        return to_entity(ReportPlan, row) if row else None

    async def save_plan(self, plan: ReportPlan) -> None:
        values = row_values(plan)
        row = await self._session.get(ReportPlanRow, plan.client_id)
        if row is None:
            self._session.add(ReportPlanRow(**values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self._session.flush()

    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[ReportPlan]:
        rows = await self._session.scalars(
            select(ReportPlanRow)
            .join(ClientRow, ClientRow.id == ReportPlanRow.client_id)
            .where(
                ReportPlanRow.active.is_(True),
                ReportPlanRow.next_due_at <= now,
                ClientRow.status == ClientStatus.active.value,
                ClientRow.user_id.is_not(None),
            )
            .order_by(ReportPlanRow.next_due_at)
            .limit(limit)
        )
        return [to_entity(ReportPlan, row) for row in rows]

    async def add_file(self, file: GeneratedFile) -> GeneratedFile:
        return await insert(self._session, GeneratedFileRow, file)

    async def expired_files(self, *, now: datetime, limit: int) -> Sequence[GeneratedFile]:
        rows = await self._session.scalars(
            select(GeneratedFileRow)
            .where(GeneratedFileRow.delete_after <= now)
            .order_by(GeneratedFileRow.delete_after)
            .limit(limit)
        )
        return [to_entity(GeneratedFile, row) for row in rows]

    async def delete_file(self, file_id: int) -> None:
        await self._session.execute(delete(GeneratedFileRow).where(GeneratedFileRow.id == file_id))
