"""A new client's first steps: consent to the privacy policy, the initial assessment,
and being welcomed (and their coach told) when it is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from coachbot.domain.clock import Clock
from coachbot.domain.errors import ClientNotFound
from coachbot.domain.model import Channel, Client, ClientStatus, Notice, OutgoingMessage, User
from coachbot.domain.ports import UnitOfWork
from coachbot.domain.services.forms import FormStep, StartForm, StartFormUseCase

ONBOARDING = "onboarding"  # the purpose of the initial assessment's response
ASSESSMENT_FORM = "initial_assessment"
PROFILE = "onboarding:profile"  # the purpose of the profile form's response
PROFILE_FORM = "profile"


@dataclass(frozen=True, kw_only=True)
class RecordConsent:
    user_id: int
    document: str
    version: str


class RecordConsentUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: RecordConsent) -> None:
        async with self._uow as uow:
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
    privacy_version: str


@dataclass(frozen=True)
class OnboardingPosition:
    """Where a client's onboarding stands: consent, then the profile, then the assessment."""

    coach_name: str
    needs_consent: bool
    step: FormStep | None = None
    purpose: str = ONBOARDING


class ResumeOnboardingUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ResumeOnboarding) -> OnboardingPosition:
        async with self._uow as uow:
            client = await _onboarding_client(uow, cmd.user_id)
            coach = await uow.coaches.get(client.coach_id)
            consented = await uow.consents.has(
                user_id=cmd.user_id, document="privacy", version=cmd.privacy_version
            )
            profile_done = await uow.forms.has_completed(user_id=cmd.user_id, purpose=PROFILE)
        coach_name = coach.display_name if coach else ""
        if not consented:
            return OnboardingPosition(coach_name, needs_consent=True)
        form_key, purpose = (
            (ASSESSMENT_FORM, ONBOARDING)
            if profile_done
            else (
                PROFILE_FORM,
                PROFILE,
            )
        )
        step = await StartFormUseCase(self._uow, self._clock)(
            StartForm(user_id=cmd.user_id, form_key=form_key, purpose=purpose)
        )
        return OnboardingPosition(coach_name, needs_consent=False, step=step, purpose=purpose)


@dataclass(frozen=True, kw_only=True)
class ApplyProfile:
    user_id: int
    answers: dict[str, Any]


class ApplyProfileUseCase:
    """Copy the answers of the profile form onto the person's profile."""

    FIELDS = ("preferred_name", "sex", "units", "timezone", "language")

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, cmd: ApplyProfile) -> User:
        answers = cmd.answers
        async with self._uow as uow:
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            for field in self.FIELDS:
                if answers.get(field) is not None:
                    setattr(user, field, answers[field])
            if answers.get("date_of_birth"):
                user.date_of_birth = date.fromisoformat(answers["date_of_birth"])
            if answers.get("height") is not None:
                user.height_cm = float(answers["height"])
            await uow.users.update(user)
            await uow.commit()
        return user


async def _onboarding_client(uow: UnitOfWork, user_id: int) -> Client:
    for client in await uow.clients.list_for_user(user_id):
        if client.status is ClientStatus.onboarding:
            return client
    raise ClientNotFound()


@dataclass(frozen=True, kw_only=True)
class FinishOnboarding:
    user_id: int


@dataclass(frozen=True)
class OnboardingFinished:
    coach_name: str


class FinishOnboardingUseCase:
    """The client becomes active and their coach is told, once."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: FinishOnboarding) -> OnboardingFinished:
        now = self._clock.now()
        async with self._uow as uow:
            client = await _onboarding_client(uow, cmd.user_id)
            client.status = ClientStatus.active
            await uow.clients.update(client)
            coach = await uow.coaches.get(client.coach_id)
            assert coach is not None
            coach_user = await uow.users.get(coach.user_id)
            assert coach_user is not None
            await uow.outbox.enqueue(
                OutgoingMessage(
                    channel=Channel.telegram,
                    recipient=str(coach_user.telegram_id),
                    payload=Notice(
                        "client_onboarded", {"name": client.display_name}, coach_user.language
                    ),
                    idempotency_key=f"client:{client.id}:onboarded",
                    created_at=now,
                    not_before=now,
                )
            )
            await uow.commit()
        return OnboardingFinished(coach.display_name)
