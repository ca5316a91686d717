"""Completing a form and what it completes are one transaction (SQLite and PostgreSQL):
the last answer of a check-in submits it, and a submission that fails leaves the last
question to answer again, so `/checkin` resumes there instead of starting a blank form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coachbot.domain.checkins.flow import CheckinNotFound, StartCheckin, StartCheckinUseCase
from coachbot.domain.completions import FORM_COMPLETIONS
from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.forms.use_cases import (
    AnswerForm,
    AnswerFormUseCase,
    MoveInForm,
    MoveInFormUseCase,
    StartForm,
    StartFormUseCase,
    SyncShippedFormsUseCase,
)
from coachbot.domain.invitations.use_cases import AcceptInvitation, AcceptInvitationUseCase
from coachbot.domain.onboarding.use_cases import REMINDERS, STAGES, OnboardingFinished
from coachbot.domain.people.model import ClientStatus
from coachbot.storage.form_templates import shipped_templates
from coachbot.storage.tables import CheckinRow, OutboxRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.integration.test_checkin_services import at_photo_question, cleo  # noqa: F401
from tests.integration.test_client_onboarding_services import add_cleo, practice  # noqa: F401


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


class CrashingOutbox(SqlUnitOfWork):
    """Fails when the coach is about to be told (the outbox refuses the notice)."""

    async def __aenter__(self):
        await super().__aenter__()

        async def enqueue(message):
            raise RuntimeError("the process died here")

        self.outbox.enqueue = enqueue
        return self


async def at_last_onboarding_question(session_factory, clock, practice) -> tuple[int, int]:  # noqa: F811
    """Cleo joined Anna and did every stage but the reminders, whose last question is
    next: her user id and that response's id."""
    link = await add_cleo(practice, clock)
    cleo_id = practice["Cleo"].id
    await AcceptInvitationUseCase(practice["uow"], clock)(
        AcceptInvitation(user_id=cleo_id, token=link.invitation.token)
    )
    await SyncShippedFormsUseCase(SqlUnitOfWork(session_factory), clock)(shipped_templates())
    async with SqlUnitOfWork(session_factory) as uow:
        for form_key, purpose in STAGES[:-1]:
            template_id, template = await uow.forms.latest_template(form_key)
            await uow.forms.add_response(
                FormResponse(
                    template_id=template_id,
                    template=template,
                    user_id=cleo_id,
                    purpose=purpose,
                    status=ResponseStatus.completed,
                    progress=FormProgress(),
                    started_at=clock.now(),
                    updated_at=clock.now(),
                    completed_at=clock.now(),
                )
            )
        await uow.commit()
    uow = SqlUnitOfWork(session_factory)
    step = await StartFormUseCase(uow, clock)(
        StartForm(user_id=cleo_id, form_key="notifications", purpose=REMINDERS)
    )
    rid = step.response_id
    await AnswerFormUseCase(uow, clock, FORM_COMPLETIONS)(
        AnswerForm(user_id=cleo_id, response_id=rid, text="07:30")
    )
    await MoveInFormUseCase(uow, clock, FORM_COMPLETIONS)(
        MoveInForm(user_id=cleo_id, response_id=rid, action="skip")
    )
    return cleo_id, rid


async def cleo_state(session_factory, practice) -> tuple[ClientStatus, list[str]]:  # noqa: F811
    async with SqlUnitOfWork(session_factory) as uow:
        [client] = await uow.clients.list_for_user(practice["Cleo"].id)
    async with session_factory() as session:
        notices = (await session.scalars(select(OutboxRow.payload))).all()
    return client.status, [notice["name"] for notice in notices]


async def test_the_last_onboarding_answer_finishes_onboarding_or_nothing(
    session_factory,
    clock,
    practice,  # noqa: F811
):
    cleo_id, rid = await at_last_onboarding_question(session_factory, clock, practice)
    skip = MoveInForm(user_id=cleo_id, response_id=rid, action="skip")
    with pytest.raises(RuntimeError, match="died"):
        await MoveInFormUseCase(CrashingOutbox(session_factory), clock, FORM_COMPLETIONS)(skip)
    assert await cleo_state(session_factory, practice) == (
        ClientStatus.onboarding,
        ["client_joined"],
    )
    resumed = await StartFormUseCase(SqlUnitOfWork(session_factory), clock)(
        StartForm(user_id=cleo_id, form_key="notifications", purpose=REMINDERS)
    )
    assert (resumed.response_id, resumed.question.key) == (rid, "quiet_end")

    step = await MoveInFormUseCase(SqlUnitOfWork(session_factory), clock, FORM_COMPLETIONS)(skip)
    assert isinstance(step.outcome, OnboardingFinished)
    assert (step.outcome.coach_name, step.outcome.user.reminder_time) == ("Anna", "07:30")
    assert await cleo_state(session_factory, practice) == (
        ClientStatus.active,
        ["client_joined", "client_onboarded"],
    )
