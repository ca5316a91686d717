"""A new client's onboarding: welcome from their coach, consent to the privacy policy,
then the forms of the onboarding stages (profile, initial assessment, first goal,
reminders), then a summary for the client and a note to the coach.

Every step is stored (consent record, form progress, client status), so after a restart
`/start` resumes where the client stopped, whatever the FSM storage kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from coachbot.bot import keyboards
from coachbot.bot.callbacks import ConsentCb
from coachbot.bot.commands import set_commands_for
from coachbot.bot.forms.state import ask_question
from coachbot.bot.i18n import gettext as _
from coachbot.bot.legal import CURRENT_VERSION, LEGAL_DOCUMENTS
from coachbot.bot.markup import escape, fmt
from coachbot.bot.texts import quiet_hours_warning
from coachbot.domain.onboarding.use_cases import (
    PROFILE,
    FinishOnboarding,
    OnboardingFinished,
    RecordConsent,
    ResumeOnboarding,
    StageApplied,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


class Onboarding(StatesGroup):
    consent = State()


async def continue_onboarding(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    *,
    welcome: bool,
    returning: bool = False,
    **data: Any,
) -> None:
    """Show the step the client is at: consent, or the next assessment question.
    `welcome` greets a newcomer, `returning` someone coming back to finish."""
    position = await uc.onboarding.resume_onboarding(
        ResumeOnboarding(
            user_id=identity.user_id,
            legal_version=CURRENT_VERSION,
            legal_documents=LEGAL_DOCUMENTS,
        )
    )
    name, coach = escape(identity.user.first_name), escape(position.coach_name)
    if welcome:
        await message.answer(
            fmt(
                _(
                    "Welcome, {name}! {coach} invited you to work together with Coachbot. "
                    "Setting you up takes a few minutes."
                ),
                name=name,
                coach=coach,
            )
        )
    if position.needs_consent:
        await state.set_state(Onboarding.consent)
        await message.answer(consent_text(), reply_markup=keyboards.consent())
        return
    if position.step is None:  # every stage done, yet not finished (an earlier version)
        finished = await uc.onboarding.finish_onboarding(FinishOnboarding(user_id=identity.user_id))
        await onboarding_finished(message, finished, identity, state, uc, **data)
        return
    if returning:
        await message.answer(fmt(_("Welcome back, {name}! Let us continue."), name=name))
    await ask_question(message, position.step, identity, state, position.purpose)


def consent_text() -> str:
    return _(
        "<b>Your privacy</b>\n\n"
        "Your coach and you will see what you enter here: profile, answers, photos and "
        "measurements. Photos are stored encrypted and without location data, nothing is "
        "sold or used for advertising, and you can export or delete your data at any time.\n\n"
        "Read the full privacy policy with /privacy and the terms of use with /terms. "
        "Do you agree to both?"
    )


@router.callback_query(Onboarding.consent, ConsentCb.filter())
async def answer_consent(
    query: CallbackQuery,
    callback_data: ConsentCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.accept:
        await state.clear()
        callback_answer.text = _("Nothing was stored.")
        await query.message.answer(
            _(
                "Understood: nothing more is stored and we stop here. If you change your "
                "mind, send /start."
            )
        )
        return
    for document in LEGAL_DOCUMENTS:
        await uc.onboarding.record_consent(
            RecordConsent(user_id=identity.user_id, document=document, version=CURRENT_VERSION)
        )
    callback_answer.text = _("Thank you!")
    await continue_onboarding(query.message, identity, state, uc, welcome=False, **data)


async def onboarding_finished(
    message: Message,
    finished: OnboardingFinished,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    """The last stage finished onboarding: the summary, in the client's language."""
    user = finished.user
    identity = replace(identity, user=user)
    i18n: I18n = data["i18n"]
    with i18n.use_locale(user.language):
        # Now a client: the menu gains /checkin (set first, so it is there with the summary).
        await set_commands_for(data["bot"], i18n, identity)
        await message.answer(
            fmt(
                _(
                    "All set, {name}! Your answers are with {coach}, who will be in touch soon. "
                    "Check-ins, goals and messages from your coach will arrive in this chat."
                ),
                name=escape(user.call_name),
                coach=escape(finished.coach_name),
            )
            + "\n\n"
            + fmt(
                _("Reminders come at {time} ({zone}); I stay quiet from {start} to {end}."),
                time=user.reminder_time,
                zone=user.timezone,
                start=user.quiet_start,
                end=user.quiet_end,
            )
            + "\n"
            + (quiet_hours_warning(user) or _("Change any of this with /profile."))
        )


async def stage_applied(
    message: Message,
    applied: StageApplied,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    **data: Any,
) -> None:
    """A stage's answers are filed: go on with the next stage (in the language the
    profile may just have changed)."""
    user = applied.user
    identity = replace(identity, user=user)
    i18n: I18n = data["i18n"]
    with i18n.use_locale(user.language):
        if applied.purpose == PROFILE:
            await message.answer(
                fmt(
                    _("Thanks, {name}! Now a few questions about where you stand today."),
                    name=escape(user.call_name),
                )
            )
        await continue_onboarding(message, identity, state, uc, welcome=False, **data)
