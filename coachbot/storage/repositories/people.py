from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.checkins.model import CheckinRules
from coachbot.domain.people.model import Client, ClientStatus, Coach, User, UserRoles
from coachbot.storage.repositories._mapping import as_utc, insert, row_values, to_entity, update_row
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


def _client_entity(row: ClientRow) -> Client:
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
        return await insert(self._session, ClientRow, client)

    async def get(self, client_id: int) -> Client | None:
        row = await self._session.get(ClientRow, client_id)
        return _client_entity(row) if row else None

    async def update(self, client: Client) -> None:
        await update_row(self._session, ClientRow, client)

    async def list_for_coach(self, coach_id: int) -> Sequence[Client]:
        return await self._list(ClientRow.coach_id == coach_id)

    async def list_for_user(self, user_id: int) -> Sequence[Client]:
        return await self._list(ClientRow.user_id == user_id)

    async def _list(self, condition) -> Sequence[Client]:
        rows = await self._session.scalars(
            select(ClientRow).where(condition).order_by(ClientRow.id)
        )
        return [_client_entity(row) for row in rows]
