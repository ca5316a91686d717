"""A user who blocks the bot is not written to again until they unblock it."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.outbox.model import Channel
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class RecordReachability:
    telegram_chat_id: int
    reachable: bool


class RecordReachabilityUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: RecordReachability) -> None:
        async with self._uow() as uow:
            await uow.outbox.set_reachable(
                Channel.telegram,
                str(cmd.telegram_chat_id),
                reachable=cmd.reachable,
                reason="the user blocked the bot",
                now=self._clock.now(),
            )
            await uow.commit()
