"""A check-in is submitted when its form is complete, in the unit of work of the last
answer: the metric answers become measurements, the photos join it, the coach is told
and the client's goals see the progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.checkins import notices
from coachbot.domain.checkins.flow import CheckinNotFound, own_checkin
from coachbot.domain.checkins.model import Checkin, CheckinStatus, MetricEntry
from coachbot.domain.forms.completion import FormOutcome
from coachbot.domain.forms.questions import QuestionKind
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.goals.evaluation import record_progress
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class SubmitCheckin:
    user_id: int
    response_id: int


@dataclass(frozen=True)
class CheckinSubmitted(FormOutcome):
    checkin: Checkin
    metrics: int  # measurements recorded from the answers
    late: bool


class SubmitCheckinUseCase:
    """Submit the check-in of a completed response on its own (the answers normally
    submit it themselves: `submit_checkin` is their form completion)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SubmitCheckin) -> CheckinSubmitted:
        async with self._uow() as uow:
            response = await uow.forms.get_response(cmd.response_id)
            if response is None or response.user_id != cmd.user_id:
                raise CheckinNotFound()
            submitted = await submit_checkin(uow, response, self._clock.now())
            await uow.commit()
        return submitted


async def submit_checkin(
    uow: UnitOfWork, response: FormResponse, now: datetime
) -> CheckinSubmitted:
    """The client finished the form: record the metric answers as measurements, attach
    the photos, queue it for the coach and tell them. Once: a check-in no longer open
    is left as it is."""
    checkin = await own_checkin(uow, response.user_id, checkin_id_of(response.purpose))
    if checkin.status is not CheckinStatus.open:
        return CheckinSubmitted(checkin, 0, checkin.late)
    checkin.status = CheckinStatus.submitted
    checkin.submitted_at = now
    checkin.next_action_at = None  # no follow-ups for a check-in handed in
    await uow.checkins.save(checkin)
    recorded = await _record_metrics(uow, checkin, response, now)
    await uow.photos.attach(photo_ids(response), checkin_id=checkin.id or 0)
    client = await uow.clients.get(checkin.client_id)
    assert client is not None
    await record_progress(uow, client, now, checkin=True)
    await _tell_coach(uow, checkin, now)
    return CheckinSubmitted(checkin, recorded, checkin.late)


async def _tell_coach(uow: UnitOfWork, checkin: Checkin, now: datetime) -> None:
    coach = await uow.coaches.get(checkin.coach_id)
    client = await uow.clients.get(checkin.client_id)
    assert coach is not None and client is not None
    coach_user = await uow.users.get(coach.user_id)
    assert coach_user is not None
    waiting = await uow.checkins.count_review_queue(checkin.coach_id)
    await uow.outbox.enqueue(
        notice_for(
            coach_user,
            notices.CheckinSubmitted(
                checkin_id=checkin.id or 0,
                name=client.display_name,
                waiting=waiting,
                late=checkin.late,
            ),
            key=f"checkin-submitted:{checkin.id}",
            now=now,
        )
    )


def checkin_id_of(purpose: str) -> int:
    prefix, _, number = purpose.partition(":")
    if prefix != "checkin" or not number.isdigit():
        raise CheckinNotFound()
    return int(number)


def photo_ids(response: FormResponse) -> list[int]:
    ids: list[int] = []
    for question in response.template.questions:
        value = response.progress.answers.get(question.key)
        if question.kind is QuestionKind.photo and value:
            ids.extend(int(i) for i in value)
    return ids


async def _record_metrics(
    uow: UnitOfWork, checkin: Checkin, response: FormResponse, now: datetime
) -> int:
    """Answers to metric questions become measurements (already in kg, cm or %)."""
    recorded = 0
    for question in response.template.questions:
        value = response.progress.answers.get(question.key)
        if question.kind is QuestionKind.metric and question.metric and value is not None:
            await uow.metrics.add(
                MetricEntry(
                    client_id=checkin.client_id,
                    metric=question.metric.value,
                    value=float(value),
                    measured_at=now,
                    created_at=now,
                    source="checkin",
                    checkin_id=checkin.id,
                )
            )
            recorded += 1
    return recorded
