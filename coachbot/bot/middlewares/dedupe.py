"""Handle each Telegram update id once, across retries and processes.

Telegram redelivers a webhook update whose answer it did not get, and a restarted poller
may fetch an update it already handled. The ledger's claim decides who handles it.

An update that fails because the database is out of reach (a restart, a failover) is
handled again, with backoff, for a bounded time: the claim is this process's, so nobody
else handles it meanwhile, and a failed unit of work was rolled back. When the database
stays away, polling lets the error handler tell the person (with a reference); a webhook
answers with an error instead, so Telegram delivers the update again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from coachbot.bot.middlewares import NextHandler
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UpdateClaim, UpdateLedger
from coachbot.domain.shared.retry import Retrier, describe

logger = logging.getLogger(__name__)

# Longer than any update takes to handle (a webhook answer is due within 60 s): a claim
# older than this was abandoned by a process that died, and a redelivery is handled again.
CLAIM_LEASE_SECONDS = 120.0


class RedeliverLaterError(Exception):
    """Not handled now: the webhook answers with an error so Telegram retries later."""


class UpdateInProgressError(RedeliverLaterError):
    """Another worker is handling this update right now; ask for a redelivery later."""


class DatabaseOutOfReachError(RedeliverLaterError):
    """The database stayed out of reach while the update was retried."""


class DeduplicateUpdatesMiddleware(BaseMiddleware):
    """`redeliver` is for webhook mode: an update that is claimed but unfinished, or that
    could not be handled because the database stayed out of reach, is refused (HTTP 500),
    so Telegram retries it; if its worker died, it is handled once the lease runs out
    instead of being acknowledged and lost."""

    def __init__(
        self, ledger: UpdateLedger, clock: Clock, *, redeliver: bool, retry: Retrier
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._redeliver = redeliver
        self._retry = retry

    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        try:
            claim = await self._retry(
                lambda: self._ledger.claim(
                    update_id, now=self._clock.now(), lease_seconds=CLAIM_LEASE_SECONDS
                ),
                what=f"Claiming update {update_id}",
            )
        except Exception as error:
            self._redeliver_if_out_of_reach(update_id, error)
            raise
        if claim is UpdateClaim.busy and self._redeliver:
            raise UpdateInProgressError(update_id)
        if claim is not UpdateClaim.claimed:
            logger.info("Skipping update %s: %s", update_id, claim.value)
            return None
        try:
            result = await self._retry(
                lambda: handler(event, data), what=f"Handling update {update_id}"
            )
        except Exception as error:
            if self._redeliver and self._retry.is_transient(error):
                await self._quietly(self._ledger.release(update_id), "release", update_id)
                self._redeliver_if_out_of_reach(update_id, error)
            # An update that failed otherwise is answered by the error handler: it is done
            # too, retrying it would only repeat the failure to the user.
            await self._quietly(
                self._ledger.finish(update_id, now=self._clock.now()), "finish", update_id
            )
            raise
        await self._finish(update_id)
        return result

    def _redeliver_if_out_of_reach(self, update_id: int, error: Exception) -> None:
        if self._redeliver and self._retry.is_transient(error):
            logger.warning(
                "Update %s left for Telegram to deliver again: %s", update_id, describe(error)
            )
            raise DatabaseOutOfReachError(update_id) from error

    async def _finish(self, update_id: int) -> None:
        await self._quietly(
            self._retry(
                lambda: self._ledger.finish(update_id, now=self._clock.now()),
                what=f"Finishing update {update_id}",
            ),
            "finish",
            update_id,
        )

    async def _quietly(self, call: Awaitable[None], action: str, update_id: int) -> None:
        """A ledger write that fails after the update was handled is only logged: the
        person's answer stands, and a claim left unfinished runs out with its lease."""
        try:
            await call
        except Exception as error:
            if not self._retry.is_transient(error):
                raise
            logger.warning("Could not %s update %s: %s", action, update_id, describe(error))
