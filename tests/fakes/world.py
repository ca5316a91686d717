"""A small world of rows for tests on any unit of work: a coach with two clients, a form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coachbot.domain.forms.questions import Question, QuestionKind
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.units import Metric
from coachbot.domain.people.model import Client, ClientStatus, Coach, User

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def template(key: str = "weekly", version: int = 1) -> FormTemplate:
    prompt = {"en": "How was it?", "de": "Wie war es?"}
    return FormTemplate(
        key=key,
        version=version,
        title={"en": "Weekly", "de": "Woche"},
        questions=(Question(key="mood", kind=QuestionKind.text, prompt=prompt),),
    )


def checkin_form(key: str = "weekly") -> FormTemplate:
    """A check-in form: a weight (a measurement), an optional note, up to two photos."""

    def ask(en: str) -> dict[str, str]:
        return {"en": en, "de": en}

    return FormTemplate(
        key=key,
        version=1,
        title=ask("Weekly"),
        questions=(
            Question(key="weight", kind=QuestionKind.metric, prompt=ask("Weight?"),
                     metric=Metric.weight),
            Question(key="note", kind=QuestionKind.text, prompt=ask("Note?"), optional=True),
            Question(key="photos", kind=QuestionKind.photo, prompt=ask("Photos?"),
                     optional=True, max_photos=2),
        ),
    )  # fmt: skip


@dataclass
class World:
    coach_user: int
    coach: int
    ann_user: int
    ann: int  # active, with a Telegram user
    ben: int  # invited, no user yet


async def seed(uow) -> World:
    async with uow() as u:
        coach_user = await u.users.add(User(telegram_id=100, first_name="Cora", created_at=T0))
        ann_user = await u.users.add(User(telegram_id=200, first_name="Ann", created_at=T0))
        coach = await u.coaches.add(
            Coach(user_id=coach_user.id, display_name="Cora", created_at=T0)
        )
        ann = await u.clients.add(
            Client(coach.id, "Ann", ClientStatus.active, T0, user_id=ann_user.id)
        )
        ben = await u.clients.add(Client(coach.id, "Ben", ClientStatus.invited, T0))
        await u.commit()
    return World(coach_user.id, coach.id, ann_user.id, ann.id, ben.id)
