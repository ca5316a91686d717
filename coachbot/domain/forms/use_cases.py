"""Filling in forms: start or resume, answer, skip, go back. Progress is saved after
every step, so a form interrupted anywhere resumes at the same question."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.model import Photo
from coachbot.domain.checkins.photos import ProcessedPhoto
from coachbot.domain.checkins.ports import BlobStore, PhotoProcessor
from coachbot.domain.forms import completion
from coachbot.domain.forms import progress as steps
from coachbot.domain.forms.completion import Completions, FormOutcome
from coachbot.domain.forms.dates import month_first
from coachbot.domain.forms.notices import PhotosReceived
from coachbot.domain.forms.ports import TimeZones
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
    """What to show next: the question to ask, or the finished answers and what
    completing them did."""

    response_id: int
    form: FormTemplate
    question: Question | None
    answered: int
    answers: dict[str, Any]
    collecting: int = 0  # photos received so far for the current photo question
    outcome: FormOutcome | None = None  # what completing the form did, in its transaction

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
    first = month_first(user.language, user.timezone, imperial=units is UnitSystem.imperial)
    return AnswerContext(today=today, units=units, day_first=not first)


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
    """A change to the person's own open response: `_open` it (locked), compute the new
    progress, `_save` it, and when that completes the form, run what completing it does
    for its purpose, all before the one commit."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, completions: Completions) -> None:
        self._uow = uow
        self._clock = clock
        self._completions = completions

    async def _open(
        self, uow: UnitOfWork, user_id: int, response_id: int
    ) -> tuple[FormResponse, AnswerContext]:
        # Locked: the photos of an album, handled by several processes at once, all count.
        response = await uow.forms.get_response(response_id, for_update=True)
        if response is None or response.user_id != user_id:
            raise FormNotFound()
        if response.status is not ResponseStatus.in_progress:
            raise InvalidAnswer("form_complete")
        user = await uow.users.get(user_id)
        assert user is not None
        today = self._clock.now().astimezone(ZoneInfo(user.timezone)).date()
        return response, answer_context(user, today, response.progress.answers)

    async def _save(
        self, uow: UnitOfWork, response: FormResponse, progress: FormProgress
    ) -> FormStep:
        now = self._clock.now()
        complete = steps.is_complete(response.template, progress)
        response = replace(
            response,
            progress=progress,
            updated_at=now,
            status=ResponseStatus.completed if complete else ResponseStatus.in_progress,
            completed_at=now if complete else None,
        )
        await uow.forms.save_response(response)
        step = step_of(response)
        if complete:
            step = replace(
                step, outcome=await completion.complete(self._completions, uow, response, now)
            )
        return step


class AnswerFormUseCase(_ResponseStep):
    async def __call__(self, cmd: AnswerForm) -> FormStep:
        async with self._uow() as uow:
            response, context = await self._open(uow, cmd.user_id, cmd.response_id)
            form, progress = response.template, response.progress
            question = steps.current_question(form, progress)
            if question is None:
                raise InvalidAnswer("form_complete")
            if cmd.text is not None:
                value = question.read(cmd.text, context)
            else:
                value = question.choose(list(cmd.choices or ()))
            step = await self._save(uow, response, steps.record(form, progress, value))
            await uow.commit()
        return step


_MOVES = {"skip": steps.skip, "back": steps.back, "photos_done": steps.finish_photos}


class MoveInFormUseCase(_ResponseStep):
    async def __call__(self, cmd: MoveInForm) -> FormStep:
        move = _MOVES[cmd.action]
        async with self._uow() as uow:
            response, _context = await self._open(uow, cmd.user_id, cmd.response_id)
            step = await self._save(uow, response, move(response.template, response.progress))
            await uow.commit()
        return step


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


@dataclass(frozen=True, kw_only=True)
class FindTimeZone:
    latitude: float
    longitude: float


class FindTimeZoneUseCase:
    """The time zone at a shared location (to answer a time zone question with)."""

    def __init__(self, zones: TimeZones) -> None:
        self._zones = zones

    async def __call__(self, cmd: FindTimeZone) -> str | None:
        # The lookup reads boundary data (from disk, the first time): not on the loop.
        return await asyncio.to_thread(self._zones.zone_at, cmd.latitude, cmd.longitude)


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
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        completions: Completions,
        processor: PhotoProcessor,
        blobs: BlobStore,
    ) -> None:
        super().__init__(uow, clock, completions)
        self._processor = processor
        self._blobs = blobs

    async def __call__(self, cmd: AddFormPhoto) -> FormStep:
        """The step after the photo: `collecting` > 0 while the question wants more."""
        processed = await asyncio.to_thread(self._processor.process, cmd.data)
        keys = [await self._blobs.put(processed.image), await self._blobs.put(processed.thumbnail)]
        try:
            async with self._uow() as uow:
                response, _context = await self._open(uow, cmd.user_id, cmd.response_id)
                progress = await self._collect(uow, cmd, response, processed, keys)
                step = await self._save(uow, response, progress)
                await uow.commit()
        except BaseException:
            for key in keys:  # nothing refers to them: do not keep them
                await self._blobs.delete(key)
            raise
        return step

    async def _collect(
        self,
        uow: UnitOfWork,
        cmd: AddFormPhoto,
        response: FormResponse,
        processed: ProcessedPhoto,
        keys: list[str],
    ) -> FormProgress:
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
