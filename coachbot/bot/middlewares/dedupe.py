"""Handle each Telegram update id once, across retries and processes.

Telegram redelivers a webhook update whose answer it did not get, and a restarted poller
may fetch an update it already handled. The ledger's claim decides who handles it.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from coachbot.bot.middlewares import NextHandler
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UpdateClaim, UpdateLedger

logger = logging.getLogger(__name__)

# Longer than any update takes to handle (a webhook answer is due within 60 s): a claim
# older than this was abandoned by a process that died, and a redelivery is handled again.
CLAIM_LEASE_SECONDS = 120.0


class UpdateInProgressError(Exception):
    """Another worker is handling this update right now; ask for a redelivery later."""


class DeduplicateUpdatesMiddleware(BaseMiddleware):
    """`redeliver_busy` is for webhook mode: an update that is claimed but unfinished is
    refused (HTTP 500), so Telegram retries it and, if its worker died, it is handled
    once the lease runs out instead of being acknowledged and lost."""

    def __init__(self, ledger: UpdateLedger, clock: Clock, *, redeliver_busy: bool) -> None:
        self._ledger = ledger
        self._clock = clock
        self._redeliver_busy = redeliver_busy

    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        claim = await self._ledger.claim(
            event.update_id, now=self._clock.now(), lease_seconds=CLAIM_LEASE_SECONDS
        )
        if claim is UpdateClaim.busy and self._redeliver_busy:
            raise UpdateInProgressError(event.update_id)
        if claim is not UpdateClaim.claimed:
            logger.info("Skipping update %s: %s", event.update_id, claim.value)
            return None
        try:
            return await handler(event, data)
        finally:
            # An update that failed was answered by the error handler: it is done too,
            # retrying it would only repeat the failure to the user.
            await self._ledger.finish(event.update_id, now=self._clock.now())
