"""A new client's first steps: consent to the privacy policy, the initial assessment,
and being welcomed (and their coach told) when it is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.checkins.setup import resume_plan
from coachbot.domain.forms.completion import FormOutcome
from coachbot.domain.forms.questions import QuestionKind
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.forms.use_cases import FormStep, StartForm, StartFormUseCase
from coachbot.domain.goals.model import Goal, GoalCategory
from coachbot.domain.onboarding.notices import ClientOnboarded
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, ClientStatus, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

# The forms of onboarding in order, each with the purpose its response is filed under.
PROFILE = "onboarding:profile"
ASSESSMENT = "onboarding:assessment"
HEALTH = "onboarding:health"
FIRST_GOAL = "onboarding:goal"
REMINDERS = "onboarding:reminders"
PRIVACY = "profile:privacy"  # not asked in onboarding (the safe default holds)
ONBOARDING_SOURCE = "onboarding"  # the source of measurements given in the assessment
STAGES = (
    ("profile", PROFILE),
    ("initial_assessment", ASSESSMENT),
    ("par_q", HEALTH),
    ("first_goal", FIRST_GOAL),
    ("notifications", REMINDERS),
)


@dataclass(frozen=True, kw_only=True)
class RecordConsent:
    user_id: int
    document: str
    version: str


class RecordConsentUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: RecordConsent) -> None:
        async with self._uow() as uow:
            await uow.consents.record(
                user_id=cmd.user_id,
                document=cmd.document,
                version=cmd.version,
                at=self._clock.now(),
            )
            await uow.commit()


@dataclass(frozen=True, kw_only=True)
class ResumeOnboarding:
    user_id: int
    legal_version: str
    legal_documents: tuple[str, ...]  # what must be agreed to, in that version


@dataclass(frozen=True)
class OnboardingPosition:
    """Where a client's onboarding stands: consent, then each form of STAGES in turn;
    neither a consent nor a step to show means every stage is done."""

    coach_name: str
    needs_consent: bool
    step: FormStep | None = None
    purpose: str = ""


class ResumeOnboardingUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ResumeOnboarding) -> OnboardingPosition:
        async with self._uow() as uow:
            client = await _onboarding_client(uow, cmd.user_id)
            coach = await uow.coaches.get(client.coach_id)
            consented = all(
                [
                    await uow.consents.has(
                        user_id=cmd.user_id, document=document, version=cmd.legal_version
                    )
                    for document in cmd.legal_documents
                ]
            )
            pending = await pending_stages(uow, cmd.user_id)
        coach_name = coach.display_name if coach else ""
        if not consented:
            return OnboardingPosition(coach_name, needs_consent=True)
        if not pending:
            return OnboardingPosition(coach_name, needs_consent=False)
        form_key, purpose = pending[0]
        step = await StartFormUseCase(self._uow, self._clock)(
            StartForm(user_id=cmd.user_id, form_key=form_key, purpose=purpose)
        )
        return OnboardingPosition(coach_name, needs_consent=False, step=step, purpose=purpose)


@dataclass(frozen=True, kw_only=True)
class ApplyStage:
    """Carry the answers of a finished onboarding form to where they belong."""

    user_id: int
    purpose: str
    answers: dict[str, Any]


PROFILE_FIELDS = ("preferred_name", "sex", "units", "timezone", "language")
REMINDER_FIELDS = ("reminder_time", "quiet_start", "quiet_end")
PRIVACY_FIELDS = ("allow_photo_forwarding",)


class ApplyStageUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ApplyStage) -> User:
        async with self._uow() as uow:
            user = await apply_stage(uow, cmd, self._clock.now())
            await uow.commit()
        return user


async def apply_stage(uow: UnitOfWork, cmd: ApplyStage, now: datetime) -> User:
    """File a stage's answers: the profile and reminders on the user, the assessment's
    measurements as metric entries, the first goal as a goal; the user as it is now."""
    answers = cmd.answers
    user = await uow.users.get(cmd.user_id)
    assert user is not None
    if cmd.purpose in (PROFILE, REMINDERS):
        apply_answers(user, cmd.purpose, answers)
    elif cmd.purpose == FIRST_GOAL:
        client = await _onboarding_client(uow, cmd.user_id)
        assert client.id is not None
        await uow.goals.add(_first_goal(client.id, answers, now))
    elif cmd.purpose == ASSESSMENT:
        await record_measurements(uow, cmd.user_id, now)
    await uow.users.update(user)
    return user


@dataclass(frozen=True)
class StageApplied(FormOutcome):
    """A stage's form was completed and filed; more stages follow."""

    purpose: str
    user: User  # as the stage left it (the profile may have changed the language)


async def complete_stage(
    uow: UnitOfWork, response: FormResponse, now: datetime
) -> StageApplied | OnboardingFinished:
    """The form completion of every stage: file it, and after the last one finish."""
    stage = ApplyStage(
        user_id=response.user_id, purpose=response.purpose, answers=response.progress.answers
    )
    user = await apply_stage(uow, stage, now)
    if await pending_stages(uow, response.user_id):
        return StageApplied(response.purpose, user)
    return await finish_onboarding(uow, response.user_id, now)


async def pending_stages(uow: UnitOfWork, user_id: int) -> list[tuple[str, str]]:
    """The stages (form key, purpose) whose form is not complete yet, in order."""
    return [
        (form_key, purpose)
        for form_key, purpose in STAGES
        if not await uow.forms.has_completed(user_id=user_id, purpose=purpose)
    ]


def apply_answers(user: User, purpose: str, answers: dict[str, Any]) -> None:
    """Copy profile or reminder answers onto the user (skipped ones change nothing)."""
    fields = {PROFILE: PROFILE_FIELDS, PRIVACY: PRIVACY_FIELDS}.get(purpose, REMINDER_FIELDS)
    for field in fields:
        if answers.get(field) is not None:
            setattr(user, field, answers[field])
    if answers.get("date_of_birth"):
        user.date_of_birth = date.fromisoformat(answers["date_of_birth"])
    if answers.get("height") is not None:
        user.height_cm = float(answers["height"])


async def record_measurements(uow: UnitOfWork, user_id: int, now: datetime) -> None:
    """The measurements of the initial assessment become the client's first entries, so
    /progress, charts and the first review start from them."""
    client = await _onboarding_client(uow, user_id)
    response = await uow.forms.completed_response(user_id=user_id, purpose=ASSESSMENT)
    assert client.id is not None and response is not None
    recorded = await uow.metrics.list_all(client.id)
    if any(entry.source == ONBOARDING_SOURCE for entry in recorded):
        return  # the stage was applied before (a repeated update)
    for entry in measurements_of(client.id, response, now):
        await uow.metrics.add(entry)


def measurements_of(client_id: int, response: FormResponse, now: datetime) -> list[MetricEntry]:
    """The answers to metric questions (already in kg, cm or %), measured when answered."""
    measured = response.completed_at or now
    return [
        MetricEntry(
            client_id=client_id,
            metric=question.metric.value,
            value=float(value),
            measured_at=measured,
            created_at=now,
            source=ONBOARDING_SOURCE,
        )
        for question in response.template.questions
        if question.kind is QuestionKind.metric
        and question.metric is not None
        and isinstance(value := response.progress.answers.get(question.key), int | float)
    ]


def _first_goal(client_id: int, answers: dict[str, Any], now: datetime) -> Goal:
    category = GoalCategory(answers["category"])
    metric, target = None, None
    if answers.get("target_weight") is not None:
        metric, target = "weight", float(answers["target_weight"])
    elif answers.get("target_waist") is not None:
        metric, target = "waist", float(answers["target_waist"])
    deadline = answers.get("target_date")
    return Goal(
        client_id=client_id,
        category=category,
        created_at=now,
        metric=metric,
        target_value=target,
        description=answers.get("description") or "",
        target_date=date.fromisoformat(deadline) if deadline else None,
    )


def health_flags(answers: dict[str, Any]) -> int:
    """How many health screen questions were answered yes: each one is a reason for the
    coach to ask for medical clearance before training starts."""
    return sum(1 for value in answers.values() if value is True)


async def _onboarding_client(uow: UnitOfWork, user_id: int) -> Client:
    for client in await uow.clients.list_for_user(user_id):
        if client.status is ClientStatus.onboarding:
            return client
    raise ClientNotFound()


@dataclass(frozen=True, kw_only=True)
class FinishOnboarding:
    user_id: int


@dataclass(frozen=True)
class OnboardingFinished(FormOutcome):
    coach_name: str
    user: User


class FinishOnboardingUseCase:
    """The client becomes active and their coach is told, once."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: FinishOnboarding) -> OnboardingFinished:
        async with self._uow() as uow:
            finished = await finish_onboarding(uow, cmd.user_id, self._clock.now())
            await uow.commit()
        return finished


async def finish_onboarding(uow: UnitOfWork, user_id: int, now: datetime) -> OnboardingFinished:
    client = await _onboarding_client(uow, user_id)
    client.status = ClientStatus.active
    await uow.clients.update(client)
    await resume_plan(uow, client, now)  # a plan set up meanwhile starts from now
    coach = await uow.coaches.get(client.coach_id)
    assert coach is not None
    coach_user = await uow.users.get(coach.user_id)
    assert coach_user is not None
    health = await uow.forms.completed_answers(user_id=user_id, purpose=HEALTH)
    flags = health_flags(health or {})
    await uow.outbox.enqueue(
        notice_for(
            coach_user,
            ClientOnboarded(name=client.display_name, health_flags=flags, client_id=client.id),
            key=f"client:{client.id}:onboarded",
            now=now,
        )
    )
    user = await uow.users.get(user_id)
    assert user is not None
    return OnboardingFinished(coach.display_name, user)
