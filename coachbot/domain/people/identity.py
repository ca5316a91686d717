"""Who is talking to the bot: record the Telegram user and work out their roles."""

from __future__ import annotations

from dataclasses import dataclass, replace

from coachbot.domain.people.model import Client, ClientStatus, Coach, Role, User
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class IdentifyUser:
    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Identity:
    user: User
    roles: frozenset[Role]
    coach_id: int | None
    is_new: bool
    onboarding: bool = False  # a client who has not finished onboarding yet

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles

    @property
    def is_coach(self) -> bool:
        return Role.coach in self.roles

    @property
    def is_client(self) -> bool:
        return Role.client in self.roles

    def as_coach(self, coach_id: int) -> Identity:
        return replace(self, roles=self.roles | {Role.coach}, coach_id=coach_id)

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id


@dataclass(frozen=True)
class LanguagePolicy:
    default_language: str
    supported: frozenset[str]
    default_timezone: str

    def pick(self, language_code: str | None) -> str:
        """Telegram sends IETF tags like 'pt-br'; match the primary subtag we translate."""
        primary = (language_code or "").split("-")[0].lower()
        return primary if primary in self.supported else self.default_language


class IdentifyUserUseCase:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        admin_ids: frozenset[int],
        languages: LanguagePolicy,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._admin_ids = admin_ids
        self._languages = languages

    async def __call__(self, cmd: IdentifyUser) -> Identity:
        async with self._uow() as uow:
            found = await uow.users.with_roles(cmd.telegram_id)
            clients: tuple[Client, ...]
            if found is None:
                user, coach, clients = await self._add_user(uow, cmd), None, ()
            else:
                user, coach, clients = found.user, found.coach, found.clients
                await self._note_name_changes(uow, user, cmd)
            if coach is None and cmd.telegram_id in self._admin_ids:
                coach = await self._make_admin_a_coach(uow, user)
            await uow.commit()
        roles = {Role.coach} if coach else set()
        if cmd.telegram_id in self._admin_ids:
            roles.add(Role.admin)
        if clients:
            roles.add(Role.client)
        onboarding = any(client.status is ClientStatus.onboarding for client in clients)
        is_new = found is None
        return Identity(user, frozenset(roles), coach.id if coach else None, is_new, onboarding)

    async def _add_user(self, uow: UnitOfWork, cmd: IdentifyUser) -> User:
        user = User(
            telegram_id=cmd.telegram_id,
            first_name=cmd.first_name,
            last_name=cmd.last_name,
            username=cmd.username,
            language=self._languages.pick(cmd.language_code),
            timezone=self._languages.default_timezone,
            created_at=self._clock.now(),
        )
        return await uow.users.add(user)

    @staticmethod
    async def _note_name_changes(uow: UnitOfWork, user: User, cmd: IdentifyUser) -> None:
        seen = (cmd.first_name, cmd.last_name, cmd.username)
        if (user.first_name, user.last_name, user.username) != seen:
            user.first_name, user.last_name, user.username = seen
            await uow.users.update(user)

    async def _make_admin_a_coach(self, uow: UnitOfWork, user: User) -> Coach:
        assert user.id is not None
        coach = await uow.coaches.add(
            Coach(user_id=user.id, display_name=user.full_name, created_at=self._clock.now())
        )
        await uow.audit.record(
            AuditEntry(
                at=self._clock.now(),
                action="coach.created",
                actor_user_id=user.id,
                subject_type="coach",
                subject_id=coach.id,
                details={"reason": "admin"},
            )
        )
        return coach
