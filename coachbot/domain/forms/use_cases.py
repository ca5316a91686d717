"""Filling in forms: start or resume, answer, skip, go back. Progress is saved after
every step, so a form interrupted anywhere resumes at the same question."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.model import Photo
from coachbot.domain.checkins.photos import ProcessedPhoto
from coachbot.domain.checkins.ports import BlobStore, PhotoProcessor
from coachbot.domain.forms import progress as steps
from coachbot.domain.forms.notices import PhotosReceived
from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.questions import AnswerContext, InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


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
    collecting: int = 0  # photos received so far for the current photo question

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
    """Exactly one of `text` and `choices` is given (photos: AddFormPhoto)."""

    user_id: int
    response_id: int
    text: str | None = None
    choices: Sequence[str] | None = None


@dataclass(frozen=True, kw_only=True)
class MoveInForm:
    user_id: int
    response_id: int
    action: str  # "skip", "back" or "photos_done"


def answer_context(user: User, today: date, answers: dict[str, Any] | None = None) -> AnswerContext:
    """A form that asks for units (the profile) measures in them from then on."""
    units = UnitSystem((answers or {}).get("units") or user.units)
    # Imperial units mostly mean the US, where 03/04 is the 4th of March.
    return AnswerContext(today=today, units=units, day_first=units is UnitSystem.metric)


def step_of(response: FormResponse) -> FormStep:
    assert response.id is not None
    return FormStep(
        response_id=response.id,
        form=response.template,
        question=steps.current_question(response.template, response.progress),
        answered=len(response.progress.path),
        answers=dict(response.progress.answers),
        collecting=len(response.progress.collecting),
    )


class SyncShippedFormsUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, templates: Sequence[FormTemplate]) -> int:
        """Store the shipped versions that are not stored yet; returns how many."""
        async with self._uow() as uow:
            added = [await uow.forms.add_template(t, now=self._clock.now()) for t in templates]
            await uow.commit()
        return sum(added)


class StartFormUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: StartForm) -> FormStep:
        """The open response for this purpose if there is one, else a new one on the
        latest version of the form."""
        async with self._uow() as uow:
            response = await open_or_start_response(
                uow,
                user_id=cmd.user_id,
                form_key=cmd.form_key,
                purpose=cmd.purpose,
                now=self._clock.now(),
            )
            await uow.commit()
        return step_of(response)


async def open_or_start_response(
    uow: UnitOfWork, *, user_id: int, form_key: str, purpose: str, now: datetime
) -> FormResponse:
    response = await uow.forms.open_response(user_id=user_id, purpose=purpose)
    if response is not None:
        return response
    latest = await uow.forms.latest_template(form_key)
    if latest is None:
        raise FormNotFound()
    template_id, template = latest
    return await uow.forms.add_response(
        FormResponse(
            template_id=template_id,
            template=template,
            user_id=user_id,
            purpose=purpose,
            status=ResponseStatus.in_progress,
            progress=FormProgress(),
            started_at=now,
            updated_at=now,
        )
    )


class _ResponseStep:
    """Load the person's own open response, change its progress, save, report."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def _change(self, user_id: int, response_id: int, change: Change) -> FormStep:
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked: the photos of an album, handled by several processes at once, all count.
            response = await uow.forms.get_response(response_id, for_update=True)
            if response is None or response.user_id != user_id:
                raise FormNotFound()
            if response.status is not ResponseStatus.in_progress:
                raise InvalidAnswer("form_complete")
            user = await uow.users.get(user_id)
            assert user is not None
            today = now.astimezone(ZoneInfo(user.timezone)).date()
            context = answer_context(user, today, response.progress.answers)
            progress = await change(uow, response, context)
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
        return step_of(response)


# Computes the new progress of a response, in its transaction.
Change = Callable[[UnitOfWork, FormResponse, AnswerContext], Awaitable[FormProgress]]


class AnswerFormUseCase(_ResponseStep):
    async def __call__(self, cmd: AnswerForm) -> FormStep:
        async def answer(_uow, response: FormResponse, context: AnswerContext) -> FormProgress:
            form, progress = response.template, response.progress
            question = steps.current_question(form, progress)
            if question is None:
                raise InvalidAnswer("form_complete")
            if cmd.text is not None:
                value = question.read(cmd.text, context)
            else:
                value = question.choose(list(cmd.choices or ()))
            return steps.record(form, progress, value)

        return await self._change(cmd.user_id, cmd.response_id, answer)


class MoveInFormUseCase(_ResponseStep):
    async def __call__(self, cmd: MoveInForm) -> FormStep:
        move = {"skip": steps.skip, "back": steps.back, "photos_done": steps.finish_photos}[
            cmd.action
        ]

        async def moved(_uow, response: FormResponse, _context) -> FormProgress:
            return move(response.template, response.progress)

        return await self._change(cmd.user_id, cmd.response_id, moved)


@dataclass(frozen=True, kw_only=True)
class ShowForm:
    user_id: int
    response_id: int


class ShowFormUseCase:
    """Where a response stands now (to ask its question again)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowForm) -> FormStep:
        async with self._uow() as uow:
            response = await uow.forms.get_response(cmd.response_id)
        if response is None or response.user_id != cmd.user_id:
            raise FormNotFound()
        return step_of(response)


ALBUM_SETTLE = timedelta(seconds=2)  # an album's parts arrive within about a second


@dataclass(frozen=True, kw_only=True)
class AddFormPhoto:
    """A photo sent to answer a photo question. `album` is Telegram's media_group_id:
    an album arrives as one update per photo, possibly at different processes."""

    user_id: int
    response_id: int
    data: bytes
    album: str | None = None


class AddFormPhotoUseCase(_ResponseStep):
    """Process and store the photo (EXIF gone, size bounded, encrypted at rest), then
    add it to the answer. An album that does not fill the question is acknowledged
    once, by one outbox message keyed by the album, whichever process handles which of
    its photos; the photo that completes the answer cancels that message."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, processor: PhotoProcessor, blobs: BlobStore
    ) -> None:
        super().__init__(uow, clock)
        self._processor = processor
        self._blobs = blobs

    async def __call__(self, cmd: AddFormPhoto) -> FormStep:
        """The step after the photo: `collecting` > 0 while the question wants more."""
        processed = await asyncio.to_thread(self._processor.process, cmd.data)
        keys = [await self._blobs.put(processed.image), await self._blobs.put(processed.thumbnail)]
        collect = self._collect(cmd, processed, keys)
        try:
            return await self._change(cmd.user_id, cmd.response_id, collect)
        except BaseException:
            for key in keys:  # nothing refers to them: do not keep them
                await self._blobs.delete(key)
            raise

    def _collect(self, cmd: AddFormPhoto, processed: ProcessedPhoto, keys: list[str]) -> Change:
        async def collect(uow: UnitOfWork, response: FormResponse, _context) -> FormProgress:
            now = self._clock.now()
            question = steps.current_question(response.template, response.progress)
            if question is None or question.kind is not QuestionKind.photo:
                raise InvalidAnswer("not_a_photo_question")
            photo = await uow.photos.add(
                Photo(
                    user_id=cmd.user_id,
                    blob_key=keys[0],
                    thumbnail_key=keys[1],
                    width=processed.width,
                    height=processed.height,
                    created_at=now,
                )
            )
            assert photo.id is not None
            progress = steps.collect_photo(response.template, response.progress, photo.id)
            if cmd.album is not None:
                await self._acknowledge_album(uow, cmd, response, progress, now)
            return progress

        return collect

    async def _acknowledge_album(
        self,
        uow: UnitOfWork,
        cmd: AddFormPhoto,
        response: FormResponse,
        progress: FormProgress,
        now: datetime,
    ) -> None:
        key = f"album:{cmd.user_id}:{cmd.album}"
        if not progress.collecting:  # this photo completed the answer
            await uow.outbox.cancel(key)
            return
        user = await uow.users.get(cmd.user_id)
        assert user is not None
        await uow.outbox.enqueue(
            notice_for(
                user,
                PhotosReceived(response_id=response.id or 0),
                key=key,
                now=now,
                not_before=now + ALBUM_SETTLE,
            )
        )
