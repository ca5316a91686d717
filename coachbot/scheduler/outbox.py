"""The outbox dispatcher: claim due messages, send them within limits, record the result.

Delivery guarantee: at least once. A message is claimed (committed as "sending" with a
lease) before it is sent and marked sent right after; a worker killed between the send
and that commit leaves a claim that another worker takes over when the lease runs out,
and the message is sent again. Only messages inside a sending place at the crash can be
repeated (one per place, `max_in_flight`, default 1); none is ever lost.

Failures: network errors and 5xx are retried with exponential backoff and jitter; a 429
waits the `retry_after` Telegram gave; a 403 (the user blocked the bot) marks the
recipient unreachable and stops; a 400 is a permanent failure, logged with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from coachbot.domain.outbox.model import ClaimedMessage
from coachbot.domain.outbox.ports import OutboxQueue
from coachbot.scheduler.sender import DeliveryError, Failure, RateLimitedSender, Send
from coachbot.scheduler.timing import Timer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatcherSettings:
    batch_size: int = 60  # about two seconds of sending at Telegram's 30/s
    lease_seconds: float = 60.0
    idle_poll_seconds: float = 1.0
    max_attempts: int = 10
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 15 * 60.0


def backoff(attempt: int, settings: DispatcherSettings, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, so retries of many
    messages after one outage spread out instead of returning together."""
    ceiling = min(settings.backoff_cap_seconds, settings.backoff_base_seconds * 2 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class OutboxDispatcher:
    def __init__(
        self,
        queue: OutboxQueue,
        sender: RateLimitedSender,
        timer: Timer,
        settings: DispatcherSettings | None = None,
        *,
        worker_id: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._sender = sender
        self._timer = timer
        self._settings = settings or DispatcherSettings()
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self._rng = rng or random.Random()
        self._tasks: set[asyncio.Task] = set()
        self._progress = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish what is being sent."""
        logger.info("Outbox dispatcher %s started", self.worker_id)
        try:
            while not stop.is_set():
                try:
                    claimed = await self.claim_more()
                except Exception:
                    # The database is away (restart, network): keep trying, don't die.
                    logger.exception("Could not claim outbox messages; retrying")
                    claimed = 0
                if claimed == 0 or len(self._tasks) >= self._settings.batch_size:
                    await self._wait(stop)
        finally:
            await self._shutdown()

    async def claim_more(self) -> int:
        """Top up the messages in progress; returns how many were claimed."""
        free = self._settings.batch_size - len(self._tasks)
        if free < self._settings.batch_size // 2 and self._tasks:
            return 0
        messages = await self._queue.claim(
            worker=self.worker_id,
            limit=free,
            now=self._timer.now(),
            lease_seconds=self._settings.lease_seconds,
        )
        if messages:
            logger.debug("Claimed %d message(s), %d in progress", len(messages), len(self._tasks))
        for message in messages:
            task = asyncio.create_task(self._deliver(message))
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        return len(messages)

    async def drain(self) -> None:
        """Deliver everything due now and wait for it (for tests and one-shot runs)."""
        while await self.claim_more() or self._tasks:
            if self._tasks:
                await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._progress.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("Outbox delivery crashed", exc_info=task.exception())

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until stopped, a delivery finished, or it is time to look for due work."""
        self._progress.clear()
        waiters = [
            asyncio.ensure_future(stop.wait()),
            asyncio.ensure_future(self._progress.wait()),
            asyncio.ensure_future(self._timer.sleep(self._settings.idle_poll_seconds)),
        ]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # Sends under way were finished and recorded; what is still claimed was never sent
        # (a task cancelled before it started never reached its own release).
        released = await self._queue.release_all(worker=self.worker_id, now=self._timer.now())
        logger.info(
            "Outbox dispatcher %s stopped, %d message(s) handed back", self.worker_id, released
        )

    async def _deliver(self, message: ClaimedMessage) -> None:
        sending: asyncio.Future | None = None
        try:
            await self._sender.wait_for_chat(message.recipient)
            async with self._sender.sending_place():
                if not await self._still_ours(message):
                    return
                async with self._sender.rate_slot(message.recipient) as send:
                    # Shielded: once a send starts, it and its record finish on shutdown.
                    sending = asyncio.ensure_future(self._send_and_record(send, message))
                    try:
                        await asyncio.shield(sending)
                    except asyncio.CancelledError:
                        await sending
                        raise
        except asyncio.CancelledError:
            if sending is None:
                # Never sent: hand it back for another worker, as if never claimed.
                await asyncio.shield(self._queue.release(message.id, not_before=self._timer.now()))
            raise

    async def _still_ours(self, message: ClaimedMessage) -> bool:
        """Renew the claim right before sending; a claim that ran out may be another
        worker's now, so it is not sent."""
        renewed = await self._queue.renew(
            message.id,
            worker=self.worker_id,
            now=self._timer.now(),
            lease_seconds=self._settings.lease_seconds,
        )
        if not renewed:
            logger.warning("Claim on outbox message %s ran out before sending", message.id)
        return renewed

    async def _send_and_record(self, send: Send, message: ClaimedMessage) -> None:
        try:
            sent_id = await send(message)
        except DeliveryError as error:
            await self._record_failure(message, error)
            return
        await self._queue.mark_sent(message.id, sent_message_id=sent_id, now=self._timer.now())

    async def _record_failure(self, message: ClaimedMessage, error: DeliveryError) -> None:
        now = self._timer.now()
        if error.failure is Failure.throttled:
            retry_at = now + timedelta(seconds=error.retry_after or 1)
            logger.warning("429 for %s: retry at %s", message.recipient, retry_at)
            await self._queue.retry_later(message.id, not_before=retry_at, error=error.reason)
        elif error.failure is Failure.unreachable:
            logger.info("Recipient %s unreachable: %s", message.recipient, error.reason)
            await self._queue.mark_unreachable(
                message.channel, message.recipient, reason=error.reason, now=now
            )
            await self._queue.fail(message.id, error=error.reason, now=now)
        elif error.failure is Failure.permanent or message.attempts >= self._settings.max_attempts:
            logger.error(
                "Outbox message %s to %s failed for good after %d attempt(s): %s",
                message.id,
                message.recipient,
                message.attempts,
                error.reason,
            )
            await self._queue.fail(message.id, error=error.reason, now=now)
        else:
            delay = backoff(message.attempts, self._settings, self._rng)
            logger.warning(
                "Outbox message %s: %s; retry %d in %.1fs",
                message.id,
                error.reason,
                message.attempts,
                delay,
            )
            await self._queue.retry_later(
                message.id, not_before=now + timedelta(seconds=delay), error=error.reason
            )
