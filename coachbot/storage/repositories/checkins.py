"""Check-in templates, plans, check-ins and their threads; progress photos; metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.checkins.model import (
    Checkin,
    CheckinPlan,
    CheckinStatus,
    CheckinTemplate,
    MetricEntry,
    Photo,
    ThreadKind,
    ThreadMessage,
    ThreadRole,
)
from coachbot.domain.checkins.schedule import CheckinSchedule
from coachbot.domain.people.model import ClientStatus
from coachbot.storage.repositories._mapping import (
    columns_of,
    insert,
    row_values,
    to_entity,
    update_row,
)
from coachbot.storage.repositories.people import bump_data_version
from coachbot.storage.tables import (
    CheckinMessageRow,
    CheckinPlanRow,
    CheckinRow,
    CheckinTemplateRow,
    ClientRow,
    MetricEntryRow,
    PhotoRow,
)


class SqlCheckinRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- templates -------------------------------------------------------------------

    async def add_template(self, template: CheckinTemplate) -> CheckinTemplate:
        return await insert(self._session, CheckinTemplateRow, template)

    async def get_template(self, template_id: int) -> CheckinTemplate | None:
        row = await self._session.get(CheckinTemplateRow, template_id)
        return to_entity(CheckinTemplate, row) if row else None

    async def list_templates(self, coach_id: int) -> Sequence[CheckinTemplate]:
        rows = await self._session.scalars(
            select(CheckinTemplateRow)
            .where(CheckinTemplateRow.coach_id == coach_id)
            .order_by(CheckinTemplateRow.id)
        )
        return [to_entity(CheckinTemplate, row) for row in rows]

    async def update_template(self, template: CheckinTemplate) -> None:
        await self._session.execute(
            update(CheckinTemplateRow)
            .where(CheckinTemplateRow.id == template.id)
            .values(name=template.name, archived=template.archived)
        )

    # -- plans -----------------------------------------------------------------------

    async def get_plan(self, client_id: int) -> CheckinPlan | None:
        row = await self._session.get(CheckinPlanRow, client_id)
        return _plan(row) if row else None

    async def save_plan(self, plan: CheckinPlan) -> None:
        values = row_values(plan)
        values["schedule"] = plan.schedule.to_data()
        row = await self._session.get(CheckinPlanRow, plan.client_id)
        if row is None:
            self._session.add(CheckinPlanRow(**values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self._session.flush()

    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[CheckinPlan]:
        rows = await self._session.scalars(
            select(CheckinPlanRow)
            .join(ClientRow, ClientRow.id == CheckinPlanRow.client_id)
            .where(
                CheckinPlanRow.active.is_(True),
                CheckinPlanRow.next_due_at <= now,
                ClientRow.status == ClientStatus.active.value,
                ClientRow.user_id.is_not(None),
            )
            .order_by(CheckinPlanRow.next_due_at)
            .limit(limit)
        )
        return [_plan(row) for row in rows]

    # -- check-ins -------------------------------------------------------------------

    async def add(self, checkin: Checkin) -> Checkin:
        return await insert(self._session, CheckinRow, checkin)

    async def get(self, checkin_id: int) -> Checkin | None:
        row = await self._session.get(CheckinRow, checkin_id)
        return _checkin(row) if row else None

    async def save(self, checkin: Checkin) -> None:
        await update_row(self._session, CheckinRow, checkin)

    async def open_checkins(self, *, due_before: datetime, limit: int) -> Sequence[Checkin]:
        return await self._list(
            CheckinRow.status == CheckinStatus.open.value,
            CheckinRow.due_at <= due_before,
            order=CheckinRow.due_at,
            limit=limit,
        )

    async def open_for_client(self, client_id: int) -> Checkin | None:
        found = await self._list(
            CheckinRow.client_id == client_id,
            CheckinRow.status == CheckinStatus.open.value,
            order=CheckinRow.due_at.desc(),
            limit=1,
        )
        return found[0] if found else None

    async def recent_for_client(self, client_id: int, *, limit: int) -> Sequence[Checkin]:
        return await self._list(
            CheckinRow.client_id == client_id, order=CheckinRow.due_at.desc(), limit=limit
        )

    async def previous_submitted(self, checkin: Checkin) -> Checkin | None:
        found = await self._list(
            CheckinRow.client_id == checkin.client_id,
            CheckinRow.due_at < checkin.due_at,
            CheckinRow.submitted_at.is_not(None),
            order=CheckinRow.due_at.desc(),
            limit=1,
        )
        return found[0] if found else None

    async def review_queue(
        self, coach_id: int, *, limit: int, after: Checkin | None = None
    ) -> Sequence[Checkin]:
        conditions = [
            CheckinRow.coach_id == coach_id,
            CheckinRow.status == CheckinStatus.submitted.value,
        ]
        if after is not None and after.submitted_at is not None:
            place = tuple_(CheckinRow.submitted_at, CheckinRow.id)
            conditions.append(place > (after.submitted_at, after.id or 0))
        return await self._list(*conditions, order=CheckinRow.submitted_at, limit=limit)

    async def count_review_queue(self, coach_id: int) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(CheckinRow)
            .where(
                CheckinRow.coach_id == coach_id,
                CheckinRow.status == CheckinStatus.submitted.value,
            )
        )
        return int(count or 0)

    async def add_message(self, message: ThreadMessage) -> ThreadMessage:
        return await insert(self._session, CheckinMessageRow, message)

    async def list_messages(self, checkin_id: int) -> Sequence[ThreadMessage]:
        return await self.messages_for_checkins([checkin_id])

    async def messages_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[ThreadMessage]:
        if not checkin_ids:
            return []
        rows = await self._session.scalars(
            select(CheckinMessageRow)
            .where(CheckinMessageRow.checkin_id.in_(checkin_ids))
            .order_by(CheckinMessageRow.checkin_id, CheckinMessageRow.id)
        )
        return [to_entity(ThreadMessage, row, role=ThreadRole, kind=ThreadKind) for row in rows]

    async def _list(self, *conditions, order, limit: int) -> Sequence[Checkin]:
        rows = await self._session.scalars(
            select(CheckinRow).where(*conditions).order_by(order, CheckinRow.id).limit(limit)
        )
        return [_checkin(row) for row in rows]


def _plan(row: CheckinPlanRow) -> CheckinPlan:
    return to_entity(CheckinPlan, row, schedule=CheckinSchedule.from_data)


def _checkin(row: CheckinRow) -> Checkin:
    return to_entity(Checkin, row, status=CheckinStatus)


class SqlPhotoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, photo: Photo) -> Photo:
        return await insert(self._session, PhotoRow, photo)

    async def get(self, photo_id: int) -> Photo | None:
        row = await self._session.get(PhotoRow, photo_id)
        return to_entity(Photo, row) if row else None

    async def list(self, photo_ids: Sequence[int]) -> Sequence[Photo]:
        if not photo_ids:
            return []
        rows = await self._session.scalars(select(PhotoRow).where(PhotoRow.id.in_(photo_ids)))
        by_id = {row.id: to_entity(Photo, row) for row in rows}
        return [by_id[i] for i in photo_ids if i in by_id]

    async def attach(self, photo_ids: Sequence[int], *, checkin_id: int) -> None:
        if photo_ids:
            await self._session.execute(
                update(PhotoRow).where(PhotoRow.id.in_(photo_ids)).values(checkin_id=checkin_id)
            )

    async def list_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[Photo]:
        if not checkin_ids:
            return []
        rows = await self._session.scalars(
            select(PhotoRow)
            .where(PhotoRow.checkin_id.in_(checkin_ids))
            .order_by(PhotoRow.checkin_id, PhotoRow.id)
        )
        return [to_entity(Photo, row) for row in rows]


class SqlMetricRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: MetricEntry) -> MetricEntry:
        await bump_data_version(self._session, entry.client_id)
        return await insert(self._session, MetricEntryRow, entry)

    async def list_for_client(self, client_id: int, metric: str) -> Sequence[MetricEntry]:
        rows = await self._session.scalars(
            select(MetricEntryRow)
            .where(MetricEntryRow.client_id == client_id, MetricEntryRow.metric == metric)
            .order_by(MetricEntryRow.measured_at, MetricEntryRow.id)
        )
        return [to_entity(MetricEntry, row) for row in rows]

    async def get(self, entry_id: int) -> MetricEntry | None:
        row = await self._session.get(MetricEntryRow, entry_id)
        return to_entity(MetricEntry, row) if row else None

    async def update(self, entry: MetricEntry) -> None:
        await bump_data_version(self._session, entry.client_id)
        await update_row(self._session, MetricEntryRow, entry)

    async def delete(self, entry_id: int) -> None:
        owner = select(MetricEntryRow.client_id).where(MetricEntryRow.id == entry_id)
        await bump_data_version(self._session, owner.scalar_subquery())
        await self._session.execute(delete(MetricEntryRow).where(MetricEntryRow.id == entry_id))

    async def recent(self, client_id: int, *, limit: int) -> Sequence[MetricEntry]:
        rows = await self._session.execute(
            columns_of(MetricEntryRow)
            .where(MetricEntryRow.client_id == client_id)
            .order_by(MetricEntryRow.measured_at.desc(), MetricEntryRow.id.desc())
            .limit(limit)
        )
        return [to_entity(MetricEntry, row) for row in rows]

    async def list_all(self, client_id: int) -> Sequence[MetricEntry]:
        rows = await self._session.execute(
            columns_of(MetricEntryRow)
            .where(MetricEntryRow.client_id == client_id)
            .order_by(MetricEntryRow.measured_at, MetricEntryRow.id)
        )
        return [to_entity(MetricEntry, row) for row in rows]

    async def list_for_clients(
        self, client_ids: Sequence[int], metric: str, *, since: datetime
    ) -> Sequence[MetricEntry]:
        if not client_ids:
            return []
        rows = await self._session.execute(
            columns_of(MetricEntryRow)
            .where(
                MetricEntryRow.client_id.in_(client_ids),
                MetricEntryRow.metric == metric,
                MetricEntryRow.measured_at >= since,
            )
            .order_by(MetricEntryRow.measured_at, MetricEntryRow.id)
        )
        return [to_entity(MetricEntry, row) for row in rows]
