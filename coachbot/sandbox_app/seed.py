"""Who is in the sandbox when it starts: Coach Anna (an admin, so a coach too) and two
clients she invited, Ben and Cleo, whose invitation links wait to be opened.

Everything is made through the same use cases the bot uses, so the data is exactly what
the real flows would have stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coachbot.application import BotApplication
from coachbot.domain.people.clients import AddClient, AddClientUseCase
from coachbot.domain.people.identity import (
    IdentifyUser,
    IdentifyUserUseCase,
    Identity,
    LanguagePolicy,
)
from coachbot.domain.shared.clock import Clock
from coachbot.integrations.email_addresses import ValidatedEmailAddresses
from coachbot.languages import available_languages
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class Person:
    """A Telegram user of the sandbox."""

    telegram_id: int
    first_name: str
    last_name: str
    language: str = "en"
    username: str | None = None
    email: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class SeededPerson:
    """Someone the web chat lists: `started` if they have used the bot before (so it
    may write to them), `link` the start parameter of an invitation waiting for them,
    `identity` their roles once they are a coach or client (their command menu)."""

    person: Person
    label: str
    started: bool = False
    link: str | None = None
    identity: Identity | None = None  # for the command menu a member of the bot has


COACH = Person(1001, "Anna", "Coach", username="coach_anna", email="anna@example.org")
INVITED = (
    Person(2001, "Ben", "Miller", email="ben@example.org"),
    Person(2002, "Cleo", "Park", email="cleo@example.org"),
)


@dataclass
class Seed:
    coach: Identity
    people: list[SeededPerson] = field(default_factory=list)


class Seeding:
    """The use cases a seed needs, on one clock and one kind of unit of work."""

    def __init__(
        self,
        application: BotApplication,
        clock: Clock,
        uow_factory: type[SqlUnitOfWork] = SqlUnitOfWork,
    ) -> None:
        self.application = application
        self.clock = clock
        self._uow_factory = uow_factory

    def uow(self) -> SqlUnitOfWork:
        return self._uow_factory(self.application.session_factory)

    async def identify(self, person: Person) -> Identity:
        """What the bot does with anyone who writes to it: record them, work out roles."""
        settings = self.application.settings
        languages = LanguagePolicy(
            settings.default_language, available_languages(), settings.default_timezone
        )
        identify = IdentifyUserUseCase(
            self.uow(), self.clock, admin_ids=settings.admin_ids, languages=languages
        )
        return await identify(
            IdentifyUser(
                telegram_id=person.telegram_id,
                first_name=person.first_name,
                last_name=person.last_name,
                username=person.username,
                language_code=person.language,
            )
        )

    async def invite(self, coach: Identity, person: Person, *, tags: tuple[str, ...] = ()) -> str:
        """The coach adds `person` as a client; returns their link's start parameter."""
        added = await AddClientUseCase(
            self.uow(),
            self.clock,
            ValidatedEmailAddresses(),
            link_days=self.application.settings.invitation_ttl_days,
        )(
            AddClient(
                coach_id=coach.coach_id,
                actor_user_id=coach.user_id,
                name=person.full_name,
                email=person.email,
                tags=tags,
            )
        )
        return added.invitation.token


async def store_shipped_forms(application: BotApplication) -> None:
    """Normally done when the bot starts; the seed fills in forms before that."""
    await application.container.use_cases.forms.sync_shipped_forms(shipped_templates())


async def seed_people(application: BotApplication) -> Seed:
    """Anna, and the invitations she sent to Ben and Cleo (links a week valid)."""
    seeding = Seeding(application, application.clock)
    coach = await seeding.identify(COACH)
    seed = Seed(coach, [SeededPerson(COACH, "coach · admin", started=True, identity=coach)])
    for person in INVITED:
        link = await seeding.invite(coach, person)
        seed.people.append(SeededPerson(person, "invited client", link=link))
    return seed


class HistoryClock:
    """The time a seed replays its history at, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
