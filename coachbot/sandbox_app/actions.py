"""Shortcuts the sandbox page offers besides chatting.

In the sandbox the clock is real: a weekly check-in scheduled for Monday would make
whoever tries it wait until Monday. "Check-in due now" brings the client's next check-in
forward and runs the tick that opens due check-ins, so its message arrives in a moment.
"""

from __future__ import annotations

from coachbot.bot.app import BotApplication
from coachbot.domain.services.checkins import (
    BringCheckinForward,
    BringCheckinForwardUseCase,
    CheckinForwardOutcome,
    OpenDueCheckinsUseCase,
)
from coachbot.sandbox.web_chat import SandboxAction
from coachbot.storage.uow import SqlUnitOfWork

OUTCOMES = {
    CheckinForwardOutcome.due_now: (
        "{name}'s next check-in is open now. The bot's message with it arrives in {name}'s "
        "chat in a moment (after their quiet hours, if they have them now); /checkin starts "
        "it right away. The schedule stays as it was."
    ),
    CheckinForwardOutcome.already_open: (
        "{name} already has an open check-in: answer it with /checkin."
    ),
    CheckinForwardOutcome.no_schedule: (
        "{name} has no check-in schedule yet. As the coach, open /clients → {name} → "
        "📅 Check-ins and choose when check-ins are due, then try again."
    ),
    CheckinForwardOutcome.not_a_client: (
        "Only an active client has check-ins: pick a client who finished onboarding "
        "(in the list on the left), or finish onboarding first."
    ),
}


def sandbox_actions(application: BotApplication) -> list[SandboxAction]:
    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(application.session_factory)

    async def checkin_due_now(telegram_id: int) -> str:
        brought = await BringCheckinForwardUseCase(uow(), application.clock)(
            BringCheckinForward(telegram_id=telegram_id)
        )
        if brought.outcome is CheckinForwardOutcome.due_now:
            await OpenDueCheckinsUseCase(uow(), application.clock)()
        return OUTCOMES[brought.outcome].format(name=brought.client_name)

    return [
        SandboxAction(
            key="checkin-now",
            label="⏰ Check-in due now",
            hint="For a client with a check-in schedule: open their next check-in now.",
            run=checkin_due_now,
        )
    ]
