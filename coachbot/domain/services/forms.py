"""Filling in forms: start or resume, answer, skip, go back. Progress is saved after
every step, so a form interrupted anywhere resumes at the same question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.clock import Clock
from coachbot.domain.errors import NotAllowedError
from coachbot.domain.forms import progress as steps
from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.questions import AnswerContext, InvalidAnswer, Question
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.model import User
from coachbot.domain.ports import UnitOfWork


class FormNotFound(NotAllowedError):
    """No such form, or not this person's to fill in."""


@dataclass(frozen=True)
class FormStep:
    """What to show next: the question to ask, or the finished answers."""

    response_id: int
    form: FormTemplate
    question: Question | None
    answered: int
    answers: dict[str, Any]

    @property
    def completed(self) -> bool:
        return self.question is None


@dataclass(frozen=True, kw_only=True)
class StartForm:
    user_id: int
    form_key: str
    purpose: str


@dataclass(frozen=True, kw_only=True)
class AnswerForm:
    """Exactly one of `text`, `choices` and `photos` is given."""

    user_id: int
    response_id: int
    text: str | None = None
    choices: Sequence[str] | None = None
    photos: Sequence[str] | None = None


@dataclass(frozen=True, kw_only=True)
class MoveInForm:
    user_id: int
    response_id: int
    action: str  # "skip" or "back"


def answer_context(user: User, today: date, answers: dict[str, Any] | None = None) -> AnswerContext:
    """A form that asks for units (the profile) measures in them from then on."""
    units = UnitSystem((answers or {}).get("units") or user.units)
    # Imperial units mostly mean the US, where 03/04 is the 4th of March.
    return AnswerContext(today=today, units=units, day_first=units is UnitSystem.metric)


def _step(response: FormResponse) -> FormStep:
    assert response.id is not None
    return FormStep(
        response_id=response.id,
        form=response.template,
        question=steps.current_question(response.template, response.progress),
        answered=len(response.progress.path),
        answers=dict(response.progress.answers),
    )


class SyncShippedFormsUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, templates: Sequence[FormTemplate]) -> int:
        """Store the shipped versions that are not stored yet; returns how many."""
        async with self._uow as uow:
            added = [await uow.forms.add_template(t, now=self._clock.now()) for t in templates]
            await uow.commit()
        return sum(added)


class StartFormUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: StartForm) -> FormStep:
        """The open response for this purpose if there is one, else a new one on the
        latest version of the form."""
        now = self._clock.now()
        async with self._uow as uow:
            response = await uow.forms.open_response(user_id=cmd.user_id, purpose=cmd.purpose)
            if response is None:
                latest = await uow.forms.latest_template(cmd.form_key)
                if latest is None:
                    raise FormNotFound()
                template_id, template = latest
                response = await uow.forms.add_response(
                    FormResponse(
                        template_id=template_id,
                        template=template,
                        user_id=cmd.user_id,
                        purpose=cmd.purpose,
                        status=ResponseStatus.in_progress,
                        progress=FormProgress(),
                        started_at=now,
                        updated_at=now,
                    )
                )
                await uow.commit()
        return _step(response)


class _ResponseStep:
    """Load the person's own open response, change its progress, save, report."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def _change(self, user_id: int, response_id: int, change) -> FormStep:
        now = self._clock.now()
        async with self._uow as uow:
            response = await uow.forms.get_response(response_id)
            if response is None or response.user_id != user_id:
                raise FormNotFound()
            if response.status is not ResponseStatus.in_progress:
                raise InvalidAnswer("form_complete")
            user = await uow.users.get(user_id)
            assert user is not None
            today = now.astimezone(ZoneInfo(user.timezone)).date()
            context = answer_context(user, today, response.progress.answers)
            progress = change(response, context)
            complete = steps.is_complete(response.template, progress)
            response = replace(
                response,
                progress=progress,
                updated_at=now,
                status=ResponseStatus.completed if complete else ResponseStatus.in_progress,
                completed_at=now if complete else None,
            )
            await uow.forms.save_response(response)
            await uow.commit()
        return _step(response)


class AnswerFormUseCase(_ResponseStep):
    async def __call__(self, cmd: AnswerForm) -> FormStep:
        def answer(response: FormResponse, context: AnswerContext) -> FormProgress:
            form, progress = response.template, response.progress
            question = steps.current_question(form, progress)
            if question is None:
                raise InvalidAnswer("form_complete")
            if cmd.text is not None:
                value = question.read(cmd.text, context)
            elif cmd.choices is not None:
                value = question.choose(list(cmd.choices))
            else:
                value = question.photos(list(cmd.photos or ()))
            return steps.record(form, progress, value)

        return await self._change(cmd.user_id, cmd.response_id, answer)


class MoveInFormUseCase(_ResponseStep):
    async def __call__(self, cmd: MoveInForm) -> FormStep:
        move = {"skip": steps.skip, "back": steps.back}[cmd.action]
        return await self._change(
            cmd.user_id,
            cmd.response_id,
            lambda response, _context: move(response.template, response.progress),
        )


@dataclass(frozen=True, kw_only=True)
class ShowForm:
    user_id: int
    response_id: int


class ShowFormUseCase:
    """Where a response stands now (to ask its question again)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowForm) -> FormStep:
        async with self._uow as uow:
            response = await uow.forms.get_response(cmd.response_id)
        if response is None or response.user_id != cmd.user_id:
            raise FormNotFound()
        return _step(response)
