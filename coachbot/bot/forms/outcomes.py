"""The reply to a completed form, by what completing it did (the step's outcome): one
table, written out here, of each outcome type and the feature that answers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from coachbot.bot.checkins.conversation import checkin_submitted
from coachbot.bot.onboarding.conversation import onboarding_finished, stage_applied
from coachbot.domain.checkins.submission import CheckinSubmitted
from coachbot.domain.forms.completion import FormOutcome
from coachbot.domain.onboarding.use_cases import OnboardingFinished, StageApplied
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

# Called as reply(message, outcome, identity, state, uc, **data), the outcome of its type.
Reply = Callable[..., Awaitable[None]]

REPLIES: dict[type[FormOutcome], Reply] = {
    CheckinSubmitted: checkin_submitted,
    StageApplied: stage_applied,
    OnboardingFinished: onboarding_finished,
}


async def reply_to_outcome(
    message: Message,
    outcome: FormOutcome,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    await REPLIES[type(outcome)](message, outcome, identity, state, uc, **data)
