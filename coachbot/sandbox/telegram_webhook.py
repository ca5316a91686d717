"""Webhook delivery the way Telegram does it.

Updates are POSTed as JSON with the secret header; updates of one chat go out one at a time
and in order (a later update waits for the earlier one), different chats in parallel up to
``max_connections``. A failed delivery (non-2xx, timeout, refused connection) is retried after
a short backoff; the retry schedule is bounded and configurable so tests stay fast. A bot may
answer an update with a Bot API call in the response body, which is executed like a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from coachbot.sandbox.telegram_http import ApiRequest, read_webhook_reply
from coachbot.sandbox.telegram_models import TelegramError, WebhookDelivery

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(eq=False)
class PendingUpdate:
    """An update not yet confirmed (getUpdates offset) or delivered (webhook)."""

    update: dict[str, Any]
    returned: bool = False  # handed out by getUpdates at least once

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class WebhookConfig:
    """What setWebhook configured, plus the error state getWebhookInfo reports."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def same_target(self, other: WebhookConfig) -> bool:
        """Same URL and delivery settings (error state aside)."""
        fields = ("url", "secret_token", "max_connections", "ip_address")
        return all(getattr(self, name) == getattr(other, name) for name in fields)


def update_chat_key(update: dict[str, Any]) -> int:
    """The chat (or user) an update belongs to, which orders its delivery."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        if "from" in value:
            return int(value["from"]["id"])
    return 0


DeliveryRecorder = Callable[[WebhookDelivery], None]
DoneCallback = Callable[[PendingUpdate, bool], None]
ReplyExecutor = Callable[[str, ApiRequest], Awaitable[object]]


class WebhookDeliverer:
    """Delivers submitted updates to one webhook until closed."""

    def __init__(
        self,
        config: WebhookConfig,
        session: aiohttp.ClientSession,
        *,
        retry_delays: Sequence[float],
        timeout: float,
        record: DeliveryRecorder,
        done: DoneCallback,
        execute_reply: ReplyExecutor,
    ) -> None:
        self.config = config
        self._session = session
        self._retry_delays = tuple(retry_delays)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._record = record
        self._done = done
        self._execute_reply = execute_reply
        self._queues: dict[int, asyncio.Queue[PendingUpdate]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(config.max_connections)

    def submit(self, entry: PendingUpdate) -> None:
        """Queue an update behind the earlier updates of its chat."""
        key = update_chat_key(entry.update)
        if key not in self._queues:
            self._queues[key] = asyncio.Queue()
            self._workers[key] = asyncio.create_task(
                self._work(self._queues[key]), name=f"telegram-webhook-chat-{key}"
            )
        self._queues[key].put_nowait(entry)

    def cancel(self) -> None:
        """Stop delivering; undelivered updates stay pending with the server."""
        for task in self._workers.values():
            task.cancel()
        self._workers.clear()
        self._queues.clear()

    async def close(self) -> None:
        """Cancel and wait for the workers to finish unwinding."""
        tasks = list(self._workers.values())
        self.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self, queue: asyncio.Queue[PendingUpdate]) -> None:
        while True:
            entry = await queue.get()
            async with self._slots:
                delivered = await self._deliver(entry)
            self._done(entry, delivered)

    async def _deliver(self, entry: PendingUpdate) -> bool:
        attempts = len(self._retry_delays) + 1
        for attempt in range(1, attempts + 1):
            if await self._attempt(entry, attempt):
                return True
            if attempt < attempts:
                await asyncio.sleep(self._retry_delays[attempt - 1])
        logger.warning(
            "giving up on update %s after %s failed webhook deliveries", entry.update_id, attempts
        )
        return False

    async def _attempt(self, entry: PendingUpdate, attempt: int) -> bool:
        """POST once; the attempt is recorded as soon as its status is known (before the bot's
        reply body is read), so a test that saw the bot react also sees the delivery."""
        headers = {SECRET_HEADER: self.config.secret_token} if self.config.secret_token else {}
        try:
            async with self._session.post(
                self.config.url, json=entry.update, headers=headers, timeout=self._timeout
            ) as response:
                delivery = self._recorded(entry, attempt, response.status, response.reason)
                reply = await self._reply(response) if delivery.ok else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}: {exc}"
            self._record(WebhookDelivery(entry.update_id, self.config.url, attempt, None, error))
            return False
        if reply is not None:
            await self._execute_reply(*reply)
        return delivery.ok

    @staticmethod
    async def _reply(response: aiohttp.ClientResponse) -> tuple[str, ApiRequest] | None:
        """The method call in a 2xx response body; an unreadable body is no call."""
        try:
            return await read_webhook_reply(response)
        except (aiohttp.ClientError, TimeoutError, ValueError, TelegramError):
            logger.warning("could not read the webhook response body", exc_info=True)
            return None

    def _recorded(
        self, entry: PendingUpdate, attempt: int, status: int, reason: str | None
    ) -> WebhookDelivery:
        error = (
            None if 200 <= status < 300 else f"Wrong response from the webhook: {status} {reason}"
        )
        delivery = WebhookDelivery(entry.update_id, self.config.url, attempt, status, error)
        self._record(delivery)
        return delivery
