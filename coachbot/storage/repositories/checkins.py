"""Check-in templates, plans, check-ins and their threads; progress photos; metrics."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    Text,
    delete,
    func,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
from coachbot.domain.checkins.ports import DueFollowUp, DuePlan
from coachbot.domain.checkins.schedule import CheckinSchedule
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.storage.repositories._mapping import (
    _field_names,
    as_utc,
    columns_of,
    insert,
    row_values,
    to_entity,
    update_row,
)
from coachbot.storage.repositories.outbox import insert_ignoring_conflicts
from coachbot.storage.repositories.people import _client_entity, _coach, bump_data_version
from coachbot.storage.tables import (
    CheckinMessageRow,
    CheckinPlanRow,
    CheckinRow,
    CheckinTemplateRow,
    ClientRow,
    CoachRow,
    MetricEntryRow,
    PhotoRow,
    UserRow,
)

FOLLOW_UP_FIELDS = ("status", "nudged_at", "missed_at", "closed_at", "next_action_at")
CHECKINS = cast(Table, CheckinRow.__table__)
PLANS = cast(Table, CheckinPlanRow.__table__)


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

    async def due_plan_batch(
        self, *, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[DuePlan]:
        # `after` starts the index scan past the batches just done: on PostgreSQL their
        # index entries stay (dead) until vacuum, and reading from the start again would
        # walk all of them for every batch (100k plans due at once: quadratic).
        following = (
            tuple_(CheckinPlanRow.next_due_at, CheckinPlanRow.client_id) > tuple_(*after)
            if after is not None
            else true()
        )
        result = await self._session.execute(
            select(
                # The schedule's text: parsed once per distinct schedule, not once a row.
                *_labelled(PLANS, "p_", schedule=cast_(PLANS.c.schedule, Text)),
                *_labelled(cast(Table, ClientRow.__table__), "c_"),
                *_labelled(cast(Table, UserRow.__table__), "u_"),
                CheckinTemplateRow.form_key,
            )
            .join(ClientRow, ClientRow.id == CheckinPlanRow.client_id)
            .outerjoin(UserRow, UserRow.id == ClientRow.user_id)
            .join(CheckinTemplateRow, CheckinTemplateRow.id == CheckinPlanRow.template_id)
            .where(
                CheckinPlanRow.active,
                CheckinPlanRow.next_due_at.is_not(None),
                CheckinPlanRow.next_due_at <= now,
                following,
            )
            .order_by(CheckinPlanRow.next_due_at, CheckinPlanRow.client_id)
            .limit(limit)
        )
        keys = list(result.keys())
        plan_at = _positions(keys, "p_", CheckinPlan)
        client_at = _positions(keys, "c_", Client)
        user_at = _positions(keys, "u_", User)
        user_id_at, form_key_at = keys.index("u_id"), keys.index("form_key")
        rows = result.all()
        coaches = await self._coaches({row[client_at["coach_id"]] for row in rows})
        due = []
        for row in rows:
            plan = _values(row, plan_at)
            plan["schedule"] = _schedule_of(plan["schedule"])
            client = _values(row, client_at)
            client["status"] = ClientStatus(client["status"])
            coach, coach_user = coaches[client["coach_id"]]
            user = User(**_values(row, user_at)) if row[user_id_at] is not None else None
            due.append(
                DuePlan(
                    plan=CheckinPlan(**plan),
                    client=Client(**client),
                    user=user,
                    coach=coach,
                    coach_user=coach_user,
                    form_key=row[form_key_at],
                )
            )
        return due

    async def _coaches(self, coach_ids: set[int]) -> dict[int, tuple[Coach, User]]:
        """The coaches of a batch (few: one per coach, not per row) and their users."""
        if not coach_ids:
            return {}
        rows = await self._session.execute(
            select(CoachRow, UserRow)
            .join(UserRow, UserRow.id == CoachRow.user_id)
            .where(CoachRow.id.in_(coach_ids))
        )
        return {coach.id: (_coach(coach), to_entity(User, user)) for coach, user in rows}

    async def set_next_due(self, next_due: Mapping[int, datetime | None], *, now: datetime) -> None:
        # Plans due together mostly move to the same next time: one UPDATE per time.
        by_due: dict[datetime | None, list[int]] = defaultdict(list)
        for client_id, due in next_due.items():
            by_due[due].append(client_id)
        for due, client_ids in by_due.items():
            await self._session.execute(
                update(PLANS)
                .where(PLANS.c.client_id.in_(client_ids))
                .values(next_due_at=due, updated_at=now)
            )

    # -- check-ins -------------------------------------------------------------------

    async def add_many(self, checkins: Sequence[Checkin]) -> Sequence[Checkin]:
        if not checkins:
            return []
        values = []
        for checkin in checkins:
            row = row_values(checkin)
            row.pop("id", None)
            values.append(row)
        inserted = await self._session.execute(
            insert_ignoring_conflicts(self._session, CHECKINS)
            .on_conflict_do_nothing(index_elements=["client_id", "due_at"])
            .returning(CHECKINS.c.id, CHECKINS.c.client_id, CHECKINS.c.due_at),
            values,
        )
        ids = {(client_id, as_utc(due_at)): id_ for id_, client_id, due_at in inserted}
        added = []
        for checkin in checkins:
            checkin_id = ids.get((checkin.client_id, checkin.due_at.astimezone(UTC)))
            if checkin_id is not None:
                checkin.id = checkin_id
                added.append(checkin)
        return added

    async def save_follow_ups(self, checkins: Sequence[Checkin]) -> None:
        # A batch's check-ins mostly change alike (closed now, missed now): one UPDATE
        # per distinct set of values.
        alike: dict[tuple, list[int]] = defaultdict(list)
        for checkin in checkins:
            values = tuple(getattr(checkin, name) for name in FOLLOW_UP_FIELDS)
            alike[values].append(checkin.id or 0)
        for values, ids in alike.items():
            changes = dict(zip(FOLLOW_UP_FIELDS, values, strict=True))
            changes["status"] = CheckinStatus(changes["status"]).value
            await self._session.execute(
                update(CHECKINS).where(CHECKINS.c.id.in_(ids)).values(changes)
            )

    async def follow_up_batch(self, *, now: datetime, limit: int) -> Sequence[DueFollowUp]:
        user = aliased(UserRow)
        coach_user = aliased(UserRow)
        rows = await self._session.execute(
            select(CheckinRow, ClientRow, user, CoachRow, coach_user)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .join(user, user.id == CheckinRow.user_id)
            .join(CoachRow, CoachRow.id == CheckinRow.coach_id)
            .join(coach_user, coach_user.id == CoachRow.user_id)
            .where(CheckinRow.next_action_at <= now)  # only open ones have one
            .order_by(CheckinRow.next_action_at, CheckinRow.id)
            .limit(limit)
        )
        return [
            DueFollowUp(
                checkin=_checkin(checkin),
                client=_client_entity(client),
                user=to_entity(User, user_row),
                coach=_coach(coach),
                coach_user=to_entity(User, coach_user_row),
            )
            for checkin, client, user_row, coach, coach_user_row in rows
        ]

    async def reschedule_follow_ups(self, coach_id: int) -> None:
        await self._session.execute(
            update(CheckinRow)
            .where(
                CheckinRow.coach_id == coach_id,
                CheckinRow.status == CheckinStatus.open.value,
                CheckinRow.missed_at.is_(None),
            )
            .values(next_action_at=CheckinRow.due_at)
        )

    async def open_for_clients(self, client_ids: Sequence[int]) -> Sequence[Checkin]:
        if not client_ids:
            return []
        # The status is compared as an expression so that only the client id can pick an
        # index: right after a mass opening the status index holds every open check-in
        # (100k), and PostgreSQL, whose statistics predate them, would scan all of them for
        # every batch of the tick (1 s a batch at 100k instead of 1 ms).
        status = CheckinRow.status.concat("")
        rows = await self._session.scalars(
            select(CheckinRow)
            .where(CheckinRow.client_id.in_(client_ids), status == CheckinStatus.open.value)
            .order_by(CheckinRow.client_id, CheckinRow.due_at, CheckinRow.id)
        )
        return [_checkin(row) for row in rows]

    async def recent_for_clients(
        self, client_ids: Sequence[int], *, limit: int
    ) -> Mapping[int, Sequence[Checkin]]:
        found: dict[int, list[Checkin]] = defaultdict(list)
        if not client_ids:
            return found
        newest_first = (CheckinRow.due_at.desc(), CheckinRow.id.desc())
        ranked = (
            select(
                CheckinRow.id,
                func.row_number()
                .over(partition_by=CheckinRow.client_id, order_by=newest_first)
                .label("place"),
            )
            .where(CheckinRow.client_id.in_(client_ids))
            .subquery()
        )
        rows = await self._session.scalars(
            select(CheckinRow)
            .join(ranked, ranked.c.id == CheckinRow.id)
            .where(ranked.c.place <= limit)
            .order_by(CheckinRow.client_id, *newest_first)
        )
        for row in rows:
            found[row.client_id].append(_checkin(row))
        return found

    async def add(self, checkin: Checkin) -> Checkin:
        return await insert(self._session, CheckinRow, checkin)

    async def get(self, checkin_id: int) -> Checkin | None:
        row = await self._session.get(CheckinRow, checkin_id)
        return _checkin(row) if row else None

    async def save(self, checkin: Checkin) -> None:
        await update_row(self._session, CheckinRow, checkin)

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


def _labelled(table: Table, prefix: str, **instead: Any) -> list[Any]:
    """The table's columns labelled `prefix` + name (`instead`: expressions for some)."""
    return [instead.get(c.name, c).label(prefix + c.name) for c in table.columns]


def _positions(keys: list[str], prefix: str, entity: type) -> dict[str, int]:
    """Where the fields of `entity` are in a joined row (its table's columns, prefixed)."""
    at = {key: place for place, key in enumerate(keys)}
    return {name: at[prefix + name] for name in _field_names(entity)}


def _values(row: Any, positions: dict[str, int]) -> dict[str, Any]:
    return {name: as_utc(row[at]) for name, at in positions.items()}


def _plan(row: Any) -> CheckinPlan:
    return to_entity(CheckinPlan, row, schedule=_schedule)


@functools.lru_cache(maxsize=4096)
def _schedule_of(data: str) -> CheckinSchedule:
    return CheckinSchedule.from_data(json.loads(data))


def _schedule(data: dict) -> CheckinSchedule:
    """A plan's schedule; many clients share one, and it is immutable: parsed once."""
    return _schedule_of(json.dumps(data, sort_keys=True))


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
