"""The outbox dispatcher: claim due messages, send them within limits, record the result.

Delivery guarantee: at least once. A message is claimed (committed as "sending" with a
lease) before it is sent and marked sent right after; a worker killed between the send
and that commit leaves a claim that another worker takes over when the lease runs out,
and the message is sent again. Only messages inside a sending place at the crash can be
repeated (one per place: about rate x round trip x 1.5, at most `max_in_flight`, see
`SendingPlaces`); none is ever lost.

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
from datetime import datetime, timedelta

from coachbot.domain.outbox.model import ClaimedMessage
from coachbot.domain.outbox.ports import OutboxQueue
from coachbot.domain.shared.ports import Leases
from coachbot.scheduler.sender import (
    DeliveryError,
    Failure,
    RateLimitedSender,
    Send,
    SendingPlaces,
)
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


SENDER_LEASE = "outbox-sender"
# Telegram's per-chat and overall windows (1 s). A group's 20-per-minute window is not
# waited out: a handover may let a group get a few more than 20 in that minute.
HANDOVER_SECONDS = 1.0


class SoleSender:
    """Without Redis, each process counts Telegram's limits in its own memory: two
    processes sending at once would each send 30 a second and draw 429s. So only the
    holder of a database lease sends; other delivery workers stand by and take over when
    it stops (released at once) or dies (once the lease runs out). Standing by rather than
    refusing to start keeps rolling restarts and a warm spare working without Redis.
    """

    def __init__(
        self,
        leases: Leases,
        timer: Timer,
        *,
        holder: str,
        ttl_seconds: float,
        settle_seconds: float = HANDOVER_SECONDS,
    ) -> None:
        self._leases = leases
        self._timer = timer
        self._holder = holder
        self._ttl = ttl_seconds
        self._held_until = 0.0  # timer seconds; renewed a third of the way through
        self._standing_by = False
        self._settle = settle_seconds
        self._sending_from = 0.0

    async def hold(self) -> bool:
        """True if this process may send now (takes or renews the lease when due)."""
        now = self._timer.seconds()
        if now < self._held_until - 2 * self._ttl / 3:
            return now >= self._sending_from
        held = await self._leases.acquire(
            SENDER_LEASE, holder=self._holder, now=self._timer.now(), ttl_seconds=self._ttl
        )
        if held and not self._held_until:
            # What the previous holder sent in the last window is in its memory, not ours:
            # let that window pass before sending.
            self._sending_from = now + self._settle
        self._held_until = now + self._ttl if held else 0.0
        if held == self._standing_by:
            self._standing_by = not held
            if held:
                logger.info("Outbox sender %s took the sender lease: sending", self._holder)
            else:
                logger.warning(
                    "Outbox sender %s standing by: another delivery worker is sending, and "
                    "without Redis only one process may (set REDIS_URL to send from several)",
                    self._holder,
                )
        return held and now >= self._sending_from

    async def release(self) -> None:
        if self._held_until:
            self._held_until = 0.0
            await self._leases.release(SENDER_LEASE, holder=self._holder)


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
        sole_sender_leases: Leases | None = None,
    ) -> None:
        self._queue = queue
        self._sender = sender
        self._timer = timer
        self._settings = settings or DispatcherSettings()
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self._rng = rng or random.Random()
        # Without Redis to share the rate limits: send only while holding the lease.
        self._sole: SoleSender | None = None
        if sole_sender_leases is not None:
            self._sole = SoleSender(
                sole_sender_leases,
                timer,
                holder=self.worker_id,
                ttl_seconds=self._settings.lease_seconds,
            )
        self._tasks: set[asyncio.Task] = set()
        self._claimed_at: dict[int, datetime] = {}  # by this dispatcher, for `_still_ours`
        self._progress = asyncio.Event()

    @property
    def places(self) -> SendingPlaces:
        """How many sends this worker keeps in flight, and the round trip it measured."""
        return self._sender.places

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
        if self._sole is not None and not await self._sole.hold():
            return 0
        messages = await self._queue.claim(
            worker=self.worker_id,
            limit=free,
            now=self._timer.now(),
            lease_seconds=self._settings.lease_seconds,
        )
        if messages:
            logger.debug("Claimed %d message(s), %d in progress", len(messages), len(self._tasks))
        claimed_at = self._timer.now()
        for message in messages:
            self._claimed_at[message.id] = claimed_at
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
        if self._sole is not None:
            await self._sole.release()  # a standby takes over at once
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
            self._claimed_at.pop(message.id, None)
            if sending is None:
                # Never sent: hand it back for another worker, as if never claimed.
                await asyncio.shield(self._queue.release(message.id, not_before=self._timer.now()))
            raise

    async def _still_ours(self, message: ClaimedMessage) -> bool:
        """Renew the claim right before sending; a claim that ran out may be another
        worker's now, so it is not sent. A claim this dispatcher took less than half a
        lease ago is ours for certain (no other worker takes it before the lease ends):
        no renewal, one commit fewer per message."""
        claimed_at = self._claimed_at.pop(message.id, None)
        now = self._timer.now()
        fresh = timedelta(seconds=self._settings.lease_seconds / 2)
        if claimed_at is not None and timedelta(0) <= now - claimed_at < fresh:
            return True
        renewed = await self._queue.renew(
            message.id,
            worker=self.worker_id,
            now=now,
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
