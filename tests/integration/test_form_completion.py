"""Completing a form and what it completes are one transaction (SQLite and PostgreSQL):
the last answer of a check-in submits it, and a submission that fails leaves the last
question to answer again, so `/checkin` resumes there instead of starting a blank form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coachbot.domain.checkins.flow import CheckinNotFound, StartCheckin, StartCheckinUseCase
from coachbot.domain.completions import FORM_COMPLETIONS
from coachbot.domain.forms.use_cases import MoveInForm, MoveInFormUseCase
from coachbot.storage.tables import CheckinRow, OutboxRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.integration.test_checkin_services import at_photo_question, cleo  # noqa: F401


class CrashingSubmission(SqlUnitOfWork):
    """Fails in the middle of submitting a check-in (counting the coach's queue), as a
    process killed there would."""

    async def __aenter__(self):
        await super().__aenter__()

        async def count_review_queue(coach_id):
            raise RuntimeError("the process died here")

        self.checkins.count_review_queue = count_review_queue
        return self


async def checkin_state(session_factory) -> tuple[str, list[str]]:
    async with session_factory() as session:
        status = await session.scalar(select(CheckinRow.status))
        notices = (await session.scalars(select(OutboxRow.payload))).all()
    return status, [notice["name"] for notice in notices]


async def test_the_last_answer_of_a_checkin_submits_it(session_factory, clock, cleo):  # noqa: F811
    rid = await at_photo_question(session_factory, clock, cleo)
    skip = MoveInForm(user_id=cleo["user"].id, response_id=rid, action="skip")
    step = await MoveInFormUseCase(SqlUnitOfWork(session_factory), clock, FORM_COMPLETIONS)(skip)
    assert step.completed
    status, notices = await checkin_state(session_factory)
    assert status == "submitted"
    assert notices == ["checkin_ready", "checkin_submitted"]
    with pytest.raises(CheckinNotFound):  # nothing left open: no blank form
        await StartCheckinUseCase(SqlUnitOfWork(session_factory), clock)(
            StartCheckin(user_id=cleo["user"].id)
        )


async def test_a_submission_that_fails_leaves_the_last_question_open(
    session_factory,
    clock,
    cleo,  # noqa: F811
):
    rid = await at_photo_question(session_factory, clock, cleo)
    skip = MoveInForm(user_id=cleo["user"].id, response_id=rid, action="skip")
    with pytest.raises(RuntimeError, match="died"):
        await MoveInFormUseCase(CrashingSubmission(session_factory), clock, FORM_COMPLETIONS)(skip)
    assert await checkin_state(session_factory) == ("open", ["checkin_ready"])
    resumed = await StartCheckinUseCase(SqlUnitOfWork(session_factory), clock)(
        StartCheckin(user_id=cleo["user"].id)
    )
    assert resumed.step.response_id == rid
    assert resumed.step.question is not None and resumed.step.question.key == "photos"
    step = await MoveInFormUseCase(SqlUnitOfWork(session_factory), clock, FORM_COMPLETIONS)(skip)
    assert step.completed
    assert await checkin_state(session_factory) == (
        "submitted",
        ["checkin_ready", "checkin_submitted"],
    )
