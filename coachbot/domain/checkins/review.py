"""The coach's review queue: oldest submitted check-in first, one card at a time, with
deltas against the client's previous check-in, photos beside the previous ones, and
feedback (text, voice or photo) that reaches the client and stays in the thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coachbot.domain.checkins.flow import CheckinNotFound
from coachbot.domain.checkins.model import (
    Checkin,
    CheckinStatus,
    ThreadKind,
    ThreadMessage,
    ThreadRole,
)
from coachbot.domain.checkins.notices import CheckinFeedback, CheckinThreadReply, ThreadNotice
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.checkins.submission import photo_ids
from coachbot.domain.forms.questions import Question, QuestionKind
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.onboarding.use_cases import ASSESSMENT
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

NUMERIC = (QuestionKind.metric, QuestionKind.number, QuestionKind.scale)


@dataclass(frozen=True)
class AnswerLine:
    question: Question
    value: Any  # None when skipped
    delta: float | None = None  # change since the previous check-in, for numbers


@dataclass(frozen=True)
class ReviewPhoto:
    image: bytes
    taken: datetime  # when the check-in it belongs to was submitted
    current: bool  # False: from the previous check-in, for comparison


@dataclass(frozen=True)
class ReviewCard:
    checkin: Checkin
    client: Client
    user: User  # the client's account: units and time zone to show answers in
    answers: list[AnswerLine]
    previous: Checkin | None
    photos: list[ReviewPhoto]
    thread: list[ThreadMessage]
    waiting: int  # check-ins in the coach's queue
    # The first check-in is compared with the initial assessment, completed then.
    assessed_at: datetime | None = None


def compare_answers(response: FormResponse, previous: dict[str, Any] | None) -> list[AnswerLine]:
    """Each answered question, with the change since last time for numbers."""
    lines = []
    for question in response.template.questions:
        if question.key not in response.progress.answers or question.kind is QuestionKind.photo:
            continue
        value = response.progress.answers[question.key]
        before = (previous or {}).get(question.key)
        delta = None
        if question.kind in NUMERIC and value is not None and before is not None:
            delta = round(float(value) - float(before), 2)
        lines.append(AnswerLine(question, value, delta))
    return lines


@dataclass(frozen=True, kw_only=True)
class ShowReviewCard:
    coach_id: int | None
    checkin_id: int | None = None  # None: the oldest waiting
    after_id: int | None = None  # Next: the one after this in the queue


class ShowReviewCardUseCase:
    def __init__(self, uow: UnitOfWorkFactory, blobs: BlobStore) -> None:
        self._uow = uow
        self._blobs = blobs

    async def __call__(self, cmd: ShowReviewCard) -> ReviewCard | None:
        """None when nothing is waiting."""
        if cmd.coach_id is None:
            raise CheckinNotFound()
        async with self._uow() as uow:
            waiting = await uow.checkins.count_review_queue(cmd.coach_id)
            if cmd.checkin_id is not None:
                checkin = await _coach_checkin(uow, cmd.coach_id, cmd.checkin_id)
            else:
                found = await _next_waiting(uow, cmd.coach_id, cmd.after_id)
                if found is None:
                    return None
                checkin = found
            return await self._card(uow, checkin, waiting)

    async def _card(self, uow: UnitOfWork, checkin: Checkin, waiting: int) -> ReviewCard:
        client = await uow.clients.get(checkin.client_id)
        user = await uow.users.get(checkin.user_id)
        assert client is not None and user is not None and checkin.response_id is not None
        response = await uow.forms.get_response(checkin.response_id)
        assert response is not None
        previous = await uow.checkins.previous_submitted(checkin)
        before = (
            await uow.forms.get_response(previous.response_id)
            if previous and previous.response_id
            else None
        )
        photos = await self._photos(uow, response, checkin, current=True)
        if before is not None and previous is not None:
            photos += await self._photos(uow, before, previous, current=False)
        baseline = before.progress.answers if before else None
        assessment = None
        if before is None:
            assessment = await uow.forms.completed_response(
                user_id=checkin.user_id, purpose=ASSESSMENT
            )
            baseline = assessment.progress.answers if assessment else None
        return ReviewCard(
            checkin=checkin,
            client=client,
            user=user,
            answers=compare_answers(response, baseline),
            previous=previous,
            photos=photos,
            thread=list(await uow.checkins.list_messages(checkin.id or 0)),
            waiting=waiting,
            assessed_at=assessment.completed_at if assessment else None,
        )

    async def _photos(
        self, uow: UnitOfWork, response: FormResponse, checkin: Checkin, *, current: bool
    ) -> list[ReviewPhoto]:
        taken = checkin.submitted_at or checkin.due_at
        return [
            ReviewPhoto(await self._blobs.get(photo.blob_key), taken, current)
            for photo in await uow.photos.list(photo_ids(response))
        ]


async def _next_waiting(uow: UnitOfWork, coach_id: int, after_id: int | None) -> Checkin | None:
    """The waiting check-in after `after_id`'s place in the queue (oldest submitted first,
    read from that place, not the whole queue), wrapping round to the oldest."""
    after = await uow.checkins.get(after_id) if after_id is not None else None
    if after is not None and after.coach_id == coach_id:
        found = await uow.checkins.review_queue(coach_id, limit=1, after=after)
        if found:
            return found[0]
    oldest = await uow.checkins.review_queue(coach_id, limit=1)
    return oldest[0] if oldest else None


async def _coach_checkin(uow: UnitOfWork, coach_id: int | None, checkin_id: int) -> Checkin:
    """The coach's own client's check-in; another coach's is "not found"."""
    checkin = await uow.checkins.get(checkin_id)
    if checkin is None or coach_id is None or checkin.coach_id != coach_id:
        raise CheckinNotFound()
    if checkin.response_id is None or checkin.submitted_at is None:
        raise CheckinNotFound()
    return checkin


@dataclass(frozen=True, kw_only=True)
class FinishReview:
    coach_id: int | None
    user_id: int
    checkin_id: int
    skipped: bool = False  # Skip: leave the queue without feedback


class FinishReviewUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: FinishReview) -> Checkin:
        async with self._uow() as uow:
            checkin = await _coach_checkin(uow, cmd.coach_id, cmd.checkin_id)
            if checkin.status is CheckinStatus.submitted:
                checkin.status = (
                    CheckinStatus.review_skipped if cmd.skipped else CheckinStatus.reviewed
                )
                checkin.reviewed_at = self._clock.now()
                checkin.reviewed_by = cmd.user_id
                await uow.checkins.save(checkin)
                await uow.commit()
        return checkin


@dataclass(frozen=True, kw_only=True)
class ReplyToCheckin:
    """Exactly one of `text` (a text message) and `file_id` (voice or photo) is given;
    a photo or voice note may carry a caption in `text`."""

    coach_id: int | None
    user_id: int
    checkin_id: int
    kind: ThreadKind
    text: str = ""
    file_id: str | None = None


MAX_FEEDBACK = 3500  # leaves room in Telegram's 4096 for the heading


class ReplyToCheckinUseCase:
    """The coach's feedback on a check-in: kept in its thread, relayed to the client."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ReplyToCheckin) -> ThreadMessage:
        now = self._clock.now()
        async with self._uow() as uow:
            checkin = await _coach_checkin(uow, cmd.coach_id, cmd.checkin_id)
            message = await _add_to_thread(uow, checkin, cmd, ThreadRole.coach, now)
            if checkin.first_feedback_at is None:
                checkin.first_feedback_at = now
                await uow.checkins.save(checkin)
            coach = await uow.coaches.get(checkin.coach_id)
            client_user = await uow.users.get(checkin.user_id)
            assert coach is not None and client_user is not None
            await _relay(uow, message, CheckinFeedback, coach.display_name, client_user, checkin)
            await uow.commit()
        return message


@dataclass(frozen=True, kw_only=True)
class AnswerFeedback:
    """The client answers their coach's feedback on one of their check-ins."""

    user_id: int
    checkin_id: int
    kind: ThreadKind
    text: str = ""
    file_id: str | None = None


class AnswerFeedbackUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AnswerFeedback) -> ThreadMessage:
        now = self._clock.now()
        async with self._uow() as uow:
            checkin = await uow.checkins.get(cmd.checkin_id)
            if checkin is None or checkin.user_id != cmd.user_id:
                raise CheckinNotFound()
            message = await _add_to_thread(uow, checkin, cmd, ThreadRole.client, now)
            coach = await uow.coaches.get(checkin.coach_id)
            client = await uow.clients.get(checkin.client_id)
            assert coach is not None and client is not None
            coach_user = await uow.users.get(coach.user_id)
            assert coach_user is not None
            await _relay(uow, message, CheckinThreadReply, client.display_name, coach_user, checkin)
            await uow.commit()
        return message


async def _add_to_thread(
    uow: UnitOfWork,
    checkin: Checkin,
    cmd: ReplyToCheckin | AnswerFeedback,
    role: ThreadRole,
    now: datetime,
) -> ThreadMessage:
    return await uow.checkins.add_message(
        ThreadMessage(
            checkin_id=checkin.id or 0,
            author_user_id=cmd.user_id,
            role=role,
            kind=cmd.kind,
            text=cmd.text.strip()[:MAX_FEEDBACK],
            file_id=cmd.file_id,
            created_at=now,
        )
    )


async def _relay(
    uow: UnitOfWork,
    message: ThreadMessage,
    notice: type[ThreadNotice],
    author: str,
    recipient: User,
    checkin: Checkin,
) -> None:
    """Pass a thread message on, saying which check-in it is about (in the recipient's
    time zone and language); a voice note or photo goes with its text as the caption."""
    await uow.outbox.enqueue(
        notice_for(
            recipient,
            notice(
                checkin_id=checkin.id or 0,
                author=author,
                due=checkin.due_at,
                text=message.text or "",
            ),
            key=f"checkin-thread:{message.id}",
            now=message.created_at,
            attachment=message.file_id,
            attachment_kind=None if message.kind is ThreadKind.text else message.kind,
        )
    )


class ReviewQueueSizeUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, coach_id: int | None) -> int:
        if coach_id is None:
            return 0
        async with self._uow() as uow:
            return await uow.checkins.count_review_queue(coach_id)
