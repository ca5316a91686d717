"""Check-in use cases on the in-memory unit of work: opening due check-ins, the client's
start and submission, the coach's review and the thread between them."""

from __future__ import annotations

from datetime import time

import pytest

from coachbot.domain.checkins.flow import (
    StartCheckin,
    StartCheckinUseCase,
)
from coachbot.domain.checkins.model import (
    CheckinPlan,
    CheckinStatus,
    CheckinTemplate,
    ThreadKind,
    ThreadRole,
)
from coachbot.domain.checkins.review import (
    AnswerFeedback,
    AnswerFeedbackUseCase,
    FinishReview,
    FinishReviewUseCase,
    ReplyToCheckin,
    ReplyToCheckinUseCase,
    ShowReviewCard,
    ShowReviewCardUseCase,
)
from coachbot.domain.checkins.schedule import CheckinSchedule, Frequency
from coachbot.domain.checkins.submission import SubmitCheckin, SubmitCheckinUseCase
from coachbot.domain.checkins.ticks import FollowUpCheckinsUseCase, OpenDueCheckinsUseCase
from coachbot.domain.forms.completion import BY_HAND
from coachbot.domain.forms.use_cases import (
    AddFormPhoto,
    AddFormPhotoUseCase,
    AnswerForm,
    AnswerFormUseCase,
)
from tests.fakes.media import FakeBlobStore, FakePhotoProcessor
from tests.fakes.world import checkin_form

COACH_CHAT, ANN_CHAT = "100", "200"


@pytest.fixture
async def due(uow, world, clock):
    """Ann's weekly plan, due now."""
    async with uow as u:
        await u.forms.add_template(checkin_form(), now=clock.now())
        template = await u.checkins.add_template(
            CheckinTemplate(world.coach, "Weekly", "weekly", clock.now())
        )
        schedule = CheckinSchedule(
            frequency=Frequency.weekly, local_time=time(9, 0), starts_on=clock.now().date(),
            weekdays=(clock.now().weekday(),),
        )  # fmt: skip
        await u.checkins.save_plan(
            CheckinPlan(world.ann, world.coach, template.id, schedule, clock.now(), clock.now())
        )
        await u.commit()


def notices_to(uow, chat: str) -> int:
    return sum(m.recipient == chat for m in uow.saved_outbox)


async def open_one(uow, clock) -> int:
    assert await OpenDueCheckinsUseCase(uow, clock)() == 1
    (checkin,) = uow.db.checkins.rows.values()
    return checkin.id


@pytest.fixture
def blobs() -> FakeBlobStore:
    return FakeBlobStore()


async def fill_in_and_submit(uow, clock, world, blobs=None) -> int:
    """Ann answers her open check-in (weight, note, one photo) and submits it."""
    start = await StartCheckinUseCase(uow, clock)(StartCheckin(user_id=world.ann_user))
    response_id = start.step.response_id
    answer = AnswerFormUseCase(uow, clock, BY_HAND)
    await answer(AnswerForm(user_id=world.ann_user, response_id=response_id, text="72.5"))
    await answer(AnswerForm(user_id=world.ann_user, response_id=response_id, text="Good week"))
    photo = AddFormPhotoUseCase(uow, clock, BY_HAND, FakePhotoProcessor(), blobs or FakeBlobStore())
    await photo(AddFormPhoto(user_id=world.ann_user, response_id=response_id, data=b"front"))
    await photo(AddFormPhoto(user_id=world.ann_user, response_id=response_id, data=b"side"))
    await SubmitCheckinUseCase(uow, clock)(
        SubmitCheckin(user_id=world.ann_user, response_id=response_id)
    )
    return start.checkin.id


async def test_a_due_checkin_opens_once_and_the_client_hears(uow, clock, world, due):
    checkin_id = await open_one(uow, clock)
    checkin = uow.db.checkins.rows[checkin_id]
    assert (checkin.client_id, checkin.status, checkin.due_at) == (
        world.ann,
        CheckinStatus.open,
        clock.now(),
    )
    assert notices_to(uow, ANN_CHAT) == 1
    assert await OpenDueCheckinsUseCase(uow, clock)() == 0  # the plan moved on a week
    assert uow.db.checkin_plans[world.ann].next_due_at > clock.now()


async def test_starting_links_a_response_and_resumes_it(uow, clock, world, due):
    checkin_id = await open_one(uow, clock)
    start = StartCheckinUseCase(uow, clock)
    first = await start(StartCheckin(user_id=world.ann_user))
    assert first.checkin.id == checkin_id and first.step.question.key == "weight"
    assert uow.db.checkins.rows[checkin_id].response_id == first.step.response_id
    await AnswerFormUseCase(uow, clock, BY_HAND)(
        AnswerForm(user_id=world.ann_user, response_id=first.step.response_id, text="70")
    )
    again = await start(StartCheckin(user_id=world.ann_user, checkin_id=checkin_id))
    assert again.step.response_id == first.step.response_id
    assert again.step.question.key == "note"


async def test_a_submitted_checkin_records_measurements_photos_and_tells_the_coach(
    uow, clock, world, due
):
    await open_one(uow, clock)
    clock.advance(hours=2)
    checkin_id = await fill_in_and_submit(uow, clock, world)
    checkin = uow.db.checkins.rows[checkin_id]
    assert (checkin.status, checkin.submitted_at) == (CheckinStatus.submitted, clock.now())
    (entry,) = uow.db.metrics.rows.values()
    assert (entry.metric, entry.value, entry.checkin_id) == ("weight", 72.5, checkin_id)
    assert [p.checkin_id for p in uow.db.photos.rows.values()] == [checkin_id, checkin_id]
    assert notices_to(uow, COACH_CHAT) == 1
    again = await SubmitCheckinUseCase(uow, clock)(
        SubmitCheckin(user_id=world.ann_user, response_id=checkin.response_id)
    )
    assert again.metrics == 0 and len(uow.db.metrics.rows) == 1  # submitted once


async def test_the_coach_reviews_replies_and_the_client_answers(uow, clock, world, due, blobs):
    await open_one(uow, clock)
    checkin_id = await fill_in_and_submit(uow, clock, world, blobs)
    card = await ShowReviewCardUseCase(uow, blobs)(ShowReviewCard(coach_id=world.coach))
    assert card.checkin.id == checkin_id and card.waiting == 1
    assert {line.question.key: line.value for line in card.answers} == {
        "weight": 72.5,
        "note": "Good week",
    }
    assert [(p.image, p.current) for p in card.photos] == [(b"front", True), (b"side", True)]

    reply = await ReplyToCheckinUseCase(uow, clock)(
        ReplyToCheckin(coach_id=world.coach, user_id=world.coach_user, checkin_id=checkin_id,
                       kind=ThreadKind.text, text="  Well done  ")
    )  # fmt: skip
    assert (reply.role, reply.text) == (ThreadRole.coach, "Well done")
    assert uow.db.checkins.rows[checkin_id].first_feedback_at == clock.now()
    assert notices_to(uow, ANN_CHAT) == 2  # ready, then the feedback

    await AnswerFeedbackUseCase(uow, clock)(
        AnswerFeedback(user_id=world.ann_user, checkin_id=checkin_id, kind=ThreadKind.text,
                       text="Thanks")
    )  # fmt: skip
    assert [m.text for m in uow.db.thread.rows.values()] == ["Well done", "Thanks"]
    assert notices_to(uow, COACH_CHAT) == 2  # submitted, then the answer

    done = await FinishReviewUseCase(uow, clock)(
        FinishReview(coach_id=world.coach, user_id=world.coach_user, checkin_id=checkin_id)
    )
    assert done.status == CheckinStatus.reviewed
    assert uow.db.checkins.rows[checkin_id].reviewed_by == world.coach_user
    assert await ShowReviewCardUseCase(uow, blobs)(ShowReviewCard(coach_id=world.coach)) is None


async def test_an_unanswered_checkin_is_nudged_then_missed(uow, clock, world, due):
    checkin_id = await open_one(uow, clock)
    follow_up = FollowUpCheckinsUseCase(uow, clock)
    assert await follow_up() == 0
    clock.advance(hours=24)
    assert await follow_up() == 1
    assert uow.db.checkins.rows[checkin_id].nudged_at == clock.now()
    assert await follow_up() == 0  # one nudge
    clock.advance(hours=24)
    assert await follow_up() == 1
    assert uow.db.checkins.rows[checkin_id].missed_at == clock.now()
    assert notices_to(uow, ANN_CHAT) == 3  # ready, nudge, missed
