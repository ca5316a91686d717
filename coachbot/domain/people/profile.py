"""A person's own profile: view it, change one field at a time.

Each field is asked and checked by the same question the onboarding forms use, so a
date of birth, a height in the person's units or a time zone is read the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.flow import replan_for_user
from coachbot.domain.forms.questions import InvalidAnswer, Question
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.use_cases import FormNotFound, answer_context
from coachbot.domain.onboarding.use_cases import PRIVACY, PROFILE, REMINDERS, apply_answers
from coachbot.domain.people.model import User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

# The forms whose questions edit the profile, and the purpose their answers are filed as.
PROFILE_FORMS = (("profile", PROFILE), ("notifications", REMINDERS), ("privacy", PRIVACY))


@dataclass(frozen=True)
class EditableField:
    question: Question
    purpose: str


async def editable_fields(uow: UnitOfWork) -> dict[str, EditableField]:
    fields: dict[str, EditableField] = {}
    for form_key, purpose in PROFILE_FORMS:
        latest = await uow.forms.latest_template(form_key)
        if latest is None:
            raise FormNotFound()
        template: FormTemplate = latest[1]
        for question in template.questions:
            fields[question.key] = EditableField(question, purpose)
    return fields


@dataclass(frozen=True, kw_only=True)
class AskProfileField:
    field: str


class AskProfileFieldUseCase:
    """The question that changes one field (to show it with its buttons)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: AskProfileField) -> Question:
        async with self._uow() as uow:
            fields = await editable_fields(uow)
        if cmd.field not in fields:
            raise FormNotFound()
        return fields[cmd.field].question


@dataclass(frozen=True, kw_only=True)
class ChangeProfileField:
    user_id: int
    field: str
    text: str | None = None
    choices: Sequence[str] | None = None


class ChangeProfileFieldUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ChangeProfileField) -> User:
        async with self._uow() as uow:
            fields = await editable_fields(uow)
            editable = fields.get(cmd.field)
            if editable is None:
                raise FormNotFound()
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            today = self._clock.now().astimezone(ZoneInfo(user.timezone)).date()
            question = editable.question
            if cmd.text is not None:
                value = question.read(cmd.text, answer_context(user, today))
            elif cmd.choices:
                value = question.choose(list(cmd.choices))
            else:
                raise InvalidAnswer("empty")
            zone_before = user.timezone
            apply_answers(user, editable.purpose, {cmd.field: value})
            await uow.users.update(user)
            if user.timezone != zone_before:  # check-ins follow them to the new local time
                await replan_for_user(uow, user, self._clock.now())
            await uow.commit()
        return user


@dataclass(frozen=True, kw_only=True)
class ShowProfile:
    user_id: int


@dataclass(frozen=True)
class ProfileView:
    user: User
    fields: dict[str, EditableField]


class ShowProfileUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowProfile) -> ProfileView:
        async with self._uow() as uow:
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            return ProfileView(user, await editable_fields(uow))
