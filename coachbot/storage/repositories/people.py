from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.checkins.model import CheckinRules
from coachbot.domain.people.model import (
    STATUS_ORDER,
    Client,
    ClientCursor,
    ClientFilter,
    ClientStatus,
    Coach,
    User,
    UserRoles,
    search_text,
    sort_name,
)
from coachbot.storage.repositories._mapping import (
    as_utc,
    columns_of,
    insert,
    row_values,
    to_entity,
    update_row,
)
from coachbot.storage.tables import ClientRow, CoachRow, UserRow

# Asked on every update: one round trip, and the statement is built once, not per call
# (building it cost as much as running it).
_USER_WITH_ROLES = (
    select(UserRow, CoachRow, ClientRow)
    .outerjoin(CoachRow, CoachRow.user_id == UserRow.id)
    .outerjoin(ClientRow, ClientRow.user_id == UserRow.id)
    .where(UserRow.telegram_id == bindparam("telegram_id"))
    .order_by(ClientRow.id)
)


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> User:
        return await insert(self._session, UserRow, user)

    async def get(self, user_id: int) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return to_entity(User, row) if row else None

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        row = await self._session.scalar(select(UserRow).where(UserRow.telegram_id == telegram_id))
        return to_entity(User, row) if row else None

    async def with_roles(self, telegram_id: int) -> UserRoles | None:
        result = await self._session.execute(_USER_WITH_ROLES, {"telegram_id": telegram_id})
        rows = result.all()
        if not rows:
            return None
        user_row, coach_row, _ = rows[0]
        return UserRoles(
            user=to_entity(User, user_row),
            coach=_coach(coach_row) if coach_row is not None else None,
            clients=tuple(_client_entity(row) for _u, _c, row in rows if row is not None),
        )

    async def update(self, user: User) -> None:
        await update_row(self._session, UserRow, user)


class SqlCoachRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, coach: Coach) -> Coach:
        row = CoachRow(**_coach_values(coach))
        self._session.add(row)
        await self._session.flush()
        coach.id = row.id
        return coach

    async def get(self, coach_id: int) -> Coach | None:
        row = await self._session.get(CoachRow, coach_id)
        return _coach(row) if row else None

    async def get_by_user(self, user_id: int) -> Coach | None:
        row = await self._session.scalar(select(CoachRow).where(CoachRow.user_id == user_id))
        return _coach(row) if row else None

    async def update(self, coach: Coach) -> None:
        values = _coach_values(coach)
        values.pop("id", None)
        await self._session.execute(update(CoachRow).where(CoachRow.id == coach.id).values(values))


def _coach_values(coach: Coach) -> dict:
    values = row_values(coach)
    rules = values.pop("checkin_rules")
    values.update(
        checkin_nudge_hours=rules.nudge_after_hours,
        checkin_grace_hours=rules.grace_hours,
        checkin_alert_after=rules.alert_after_misses,
    )
    return values


def _client_entity(row: Any) -> Client:  # a ClientRow or a row of its columns
    return to_entity(Client, row, status=ClientStatus)


def _coach(row: CoachRow) -> Coach:
    return Coach(
        id=row.id,
        user_id=row.user_id,
        display_name=row.display_name,
        invited_by=row.invited_by,
        created_at=as_utc(row.created_at),
        checkin_rules=CheckinRules(
            nudge_after_hours=row.checkin_nudge_hours,
            grace_hours=row.checkin_grace_hours,
            alert_after_misses=row.checkin_alert_after,
        ),
    )


class SqlClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, client: Client) -> Client:
        row = ClientRow(**_client_values(client))
        self._session.add(row)
        await self._session.flush()
        client.id = row.id
        return client

    async def get(self, client_id: int) -> Client | None:
        row = await self._session.get(ClientRow, client_id)
        return _client_entity(row) if row else None

    async def update(self, client: Client) -> None:
        values = _client_values(client)
        values.pop("id", None)
        await self._session.execute(
            update(ClientRow).where(ClientRow.id == client.id).values(values)
        )

    async def list_for_coach(self, coach_id: int) -> Sequence[Client]:
        return await self._list(ClientRow.coach_id == coach_id)

    async def list_for_user(self, user_id: int) -> Sequence[Client]:
        return await self._list(ClientRow.user_id == user_id)

    async def _list(self, condition) -> Sequence[Client]:
        rows = await self._session.execute(
            columns_of(ClientRow).where(condition).order_by(ClientRow.id)
        )
        return [_client_entity(row) for row in rows]

    async def page_for_coach(
        self,
        coach_id: int,
        which: ClientFilter,
        *,
        limit: int,
        after: ClientCursor | None = None,
        before: ClientCursor | None = None,
    ) -> Sequence[Client]:
        """Keyset pages: a status at a time (in list order, or backwards for `before`),
        each read by (sort_name, id) on the list's index, until `limit` are found."""
        cursor = after or before
        place = await self._place(coach_id, cursor) if cursor is not None else None
        if cursor is not None and place is None:
            cursor = after = before = None
        statuses = [which.status] if which.status is not None else list(STATUS_ORDER)
        if cursor is not None:
            rank = STATUS_ORDER.index(cursor.status)
            if before is None:
                statuses = [s for s in statuses if STATUS_ORDER.index(s) >= rank]
            else:
                statuses = [s for s in statuses if STATUS_ORDER.index(s) <= rank]
        if before is not None:
            statuses.reverse()
        conditions = [ClientRow.coach_id == coach_id, *_search_conditions(which)]
        found: list[Client] = []
        for status in statuses:
            query = columns_of(ClientRow).where(*conditions, ClientRow.status == status.value)
            key = tuple_(ClientRow.sort_name, ClientRow.id)
            if cursor is not None and status is cursor.status:
                query = query.where(key < place if before is not None else key > place)
            if before is not None:
                query = query.order_by(ClientRow.sort_name.desc(), ClientRow.id.desc())
            else:
                query = query.order_by(ClientRow.sort_name, ClientRow.id)
            rows = await self._session.execute(query.limit(limit - len(found)))
            found += [_client_entity(row) for row in rows]
            if len(found) >= limit:
                break
        if before is not None:
            found.reverse()
        return found

    async def _place(self, coach_id: int, cursor: ClientCursor) -> Any:
        found = await self._session.execute(
            select(ClientRow.sort_name, ClientRow.id).where(
                ClientRow.id == cursor.client_id, ClientRow.coach_id == coach_id
            )
        )
        row = found.first()
        return tuple_(row.sort_name, row.id) if row is not None else None

    async def count_for_coach(
        self, coach_id: int, which: ClientFilter
    ) -> tuple[dict[ClientStatus, int], int]:
        """The counts by status from the list's index alone; a search's matches, which
        need the rows, in a read of their own (in one read with the counts, SQLite walked
        the rows in index order: 20 times slower at 10,000 clients)."""
        rows = await self._session.execute(
            select(ClientRow.status, func.count())
            .where(ClientRow.coach_id == coach_id)
            .group_by(ClientRow.status)
        )
        counts = {ClientStatus(status): int(count) for status, count in rows}
        if not which.searching:
            status = which.status
            return counts, counts.get(status, 0) if status else sum(counts.values())
        conditions = [ClientRow.coach_id == coach_id, *_search_conditions(which)]
        if which.status is not None:
            conditions.append(ClientRow.status == which.status.value)
        matching = await self._session.scalar(select(func.count()).where(*conditions))
        return counts, int(matching or 0)


def _client_values(client: Client) -> dict:
    """The row of a client: its fields (the data version is the stores' to change, never
    a saved client's), and the list's order and search columns kept from them."""
    values = row_values(client)
    values.pop("data_version", None)
    values.update(
        sort_name=sort_name(client.display_name),
        search_text=search_text(client),
        tag_text=" " + "".join(f"{tag} " for tag in client.tags),
    )
    return values


def _contains(column, text: str) -> ColumnElement[bool]:
    """`column` contains `text` literally: LIKE's wildcards in it are escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _search_conditions(which: ClientFilter) -> list[ColumnElement[bool]]:
    return [_contains(ClientRow.search_text, word) for word in which.words] + [
        _contains(ClientRow.tag_text, f" {tag} ") for tag in which.tags
    ]


async def bump_data_version(session: AsyncSession, client_id: int | ColumnElement[int]) -> None:
    """The client's progress data changed (in this transaction): cached pictures of it
    stop being asked for."""
    await session.execute(
        update(ClientRow)
        .where(ClientRow.id == client_id)
        .values(data_version=ClientRow.data_version + 1)
    )


async def bump_coach_data_versions(session: AsyncSession, coach_id: int) -> None:
    """Something every client of the coach is drawn with changed (a custom metric)."""
    await session.execute(
        update(ClientRow)
        .where(ClientRow.coach_id == coach_id)
        .values(data_version=ClientRow.data_version + 1)
    )
