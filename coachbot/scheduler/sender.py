"""Sending one outbox message to Telegram within Telegram's limits.

Limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about 30 messages per second overall, 1 per second in a private chat, 20 per minute in a
group. They are counted over sliding windows exactly like the server counts them, with a
small safety margin for network jitter, and shared through Redis between processes.

Several sends (each: request plus the commit that records it) run at once per process,
to different chats, as many as the measured round trip needs to keep 30 a second busy
(`SendingPlaces`, at most `max_in_flight`): a crash can repeat at most that many
messages (Telegram's sendMessage has no idempotency key). Waiting for a chat's own limit
holds no place, so one busy chat never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
)
from aiogram.types.media_union import MediaUnion

from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.outbox.model import (
    ClaimedMessage,
    DocumentPayload,
    FileRef,
    Keyboard,
    MediaGroupPayload,
    NoticePayload,
    Payload,
    PhotoPayload,
    TextPayload,
    VoicePayload,
)
from coachbot.scheduler.limits import Limit, RateLimiter
from coachbot.scheduler.timing import Timer

RECHECK_SECONDS = 0.25
# Every text the system writes is Telegram HTML (the bot layer escapes what people typed):
# the channel says so, not the payload.
PARSE_MODE = ParseMode.HTML
NoticeRenderer = Callable[[NoticePayload], Payload]
Send = Callable[[ClaimedMessage], Awaitable[int]]


class Failure(StrEnum):
    transient = "transient"  # network, 5xx: retry with backoff
    throttled = "throttled"  # 429: retry after the time the server said
    unreachable = "unreachable"  # 403: the user blocked the bot, stop for good
    permanent = "permanent"  # 400, 404: the message itself is wrong, never retry


class DeliveryError(Exception):
    def __init__(self, failure: Failure, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class TelegramLimits:
    per_second: int = 30
    private_chat_interval: float = 1.0
    group_count: int = 20
    group_window: float = 60.0

    def for_chat(self, chat_id: str) -> list[Limit]:
        """The chat's own limit first, then the bot's overall one."""
        if chat_id.startswith("-"):  # groups and channels have negative ids
            chat = Limit(f"chat:{chat_id}", self.group_count, self.group_window)
        else:
            chat = Limit(f"chat:{chat_id}", 1, self.private_chat_interval)
        return [chat, Limit("bot", self.per_second, 1.0)]


class TelegramChannel:
    """Turns a payload into the Bot API call that sends it."""

    def __init__(
        self, bot: Bot, render_notice: NoticeRenderer, blobs: BlobStore | None = None
    ) -> None:
        self._bot = bot
        self._render_notice = render_notice
        self._blobs = blobs  # where generated files (FileRef.blob_key) are kept

    async def send(self, chat_id: str, payload: Payload) -> int:
        """The id of the (first) message sent; raises DeliveryError."""
        if isinstance(payload, NoticePayload):
            payload = self._render(payload)
        try:
            return await self._send(int(chat_id), payload)
        except TelegramRetryAfter as error:
            raise DeliveryError(Failure.throttled, error.message, error.retry_after) from error
        except TelegramForbiddenError as error:
            raise DeliveryError(Failure.unreachable, error.message) from error
        except (TelegramBadRequest, TelegramNotFound) as error:
            raise DeliveryError(Failure.permanent, error.message) from error
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
            raise DeliveryError(Failure.transient, str(error)) from error
        except TelegramAPIError as error:
            raise DeliveryError(Failure.permanent, error.message) from error

    async def _send(self, chat_id: int, payload: Payload) -> int:
        match payload:
            case TextPayload():
                message = await self._bot.send_message(
                    chat_id,
                    payload.text,
                    parse_mode=PARSE_MODE,
                    reply_markup=_markup(payload.buttons),
                    protect_content=payload.protect_content,
                    disable_notification=payload.disable_notification,
                )
            case PhotoPayload():
                message = await self._bot.send_photo(
                    chat_id,
                    await self._input(payload.photo),
                    caption=payload.caption,
                    parse_mode=PARSE_MODE,
                    reply_markup=_markup(payload.buttons),
                    protect_content=payload.protect_content,
                )
            case DocumentPayload():
                message = await self._bot.send_document(
                    chat_id,
                    await self._input(payload.document),
                    caption=payload.caption,
                    parse_mode=PARSE_MODE,
                    reply_markup=_markup(payload.buttons),
                    protect_content=payload.protect_content,
                )
            case VoicePayload():
                message = await self._bot.send_voice(
                    chat_id,
                    await self._input(payload.voice),
                    caption=payload.caption,
                    parse_mode=PARSE_MODE,
                    reply_markup=_markup(payload.buttons),
                    protect_content=payload.protect_content,
                )
            case MediaGroupPayload():
                return (await self._send_media_group(chat_id, payload))[0].message_id
        return message.message_id

    def _render(self, notice: NoticePayload) -> Payload:
        try:
            return self._render_notice(notice)
        except Exception as error:  # a notice that cannot be rendered will never be
            raise DeliveryError(
                Failure.permanent, f"cannot render notice {type(notice.notice).__name__}: {error!r}"
            ) from error

    async def _send_media_group(self, chat_id: int, payload: MediaGroupPayload) -> list[Message]:
        media: list[MediaUnion] = [
            (InputMediaPhoto if item.type == "photo" else InputMediaDocument)(
                media=await self._input(item.file), caption=item.caption, parse_mode=PARSE_MODE
            )
            for item in payload.items
        ]
        return await self._bot.send_media_group(
            chat_id,
            media,
            protect_content=payload.protect_content,
        )

    async def _input(self, file: FileRef) -> str | BufferedInputFile:
        if file.file_id is not None:
            return file.file_id
        if file.blob_key is not None:
            return BufferedInputFile(await self._stored(file.blob_key), filename=file.filename)
        assert file.content is not None
        return BufferedInputFile(file.content, filename=file.filename)

    async def _stored(self, key: str) -> bytes:
        if self._blobs is None:
            raise DeliveryError(Failure.permanent, "no blob store for generated files")
        try:
            return await self._blobs.get(key)
        except KeyError:
            raise DeliveryError(Failure.permanent, "the generated file was deleted") from None


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, callback_data=b.callback_data, url=b.url)
                for b in row
            ]
            for row in keyboard
        ]
    )


class SendingPlaces:
    """How many sends may be in flight at once: enough to keep the rate busy over the
    measured round trip, and no more (each one in flight may be repeated after a crash).

    A place is held from renewing the claim to recording the answer: two commits and one
    request. Its busy time (without the waits for a rate-limit slot) is averaged (EWMA);
    `rate` sends a second over `busy` seconds each need `rate * busy` places, times a
    margin for the spread, between 1 and `cap`. Starts at 1 until the first answer.
    """

    MARGIN = 1.5
    SMOOTHING = 0.2  # weight of the newest measurement

    def __init__(self, rate_per_second: float, cap: int) -> None:
        self._rate = rate_per_second
        self._cap = cap
        self.round_trip: float | None = None  # seconds a place is busy, on average
        self.in_use = 0
        self._freed = asyncio.Condition()

    @property
    def size(self) -> int:
        if self.round_trip is None:
            return 1
        wanted = math.ceil(self._rate * self.round_trip * self.MARGIN)
        return max(1, min(self._cap, wanted))

    def measured(self, busy_seconds: float) -> None:
        busy = max(busy_seconds, 0.0)
        if self.round_trip is None:
            self.round_trip = busy
        else:
            self.round_trip += self.SMOOTHING * (busy - self.round_trip)

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        async with self._freed:
            await self._freed.wait_for(lambda: self.in_use < self.size)
            self.in_use += 1
        try:
            yield
        finally:
            async with self._freed:
                self.in_use -= 1
                self._freed.notify_all()


@dataclass
class _Place:
    started: float
    waited: float = 0.0  # for rate-limit slots: not part of the round trip


class RateLimitedSender:
    def __init__(
        self,
        channel: TelegramChannel,
        limiter: RateLimiter,
        timer: Timer,
        *,
        limits: TelegramLimits | None = None,
        max_in_flight: int = 1,
    ) -> None:
        self._channel = channel
        self._limiter = limiter
        self._timer = timer
        self._limits = limits or TelegramLimits()
        self.places = SendingPlaces(self._limits.per_second, max_in_flight)
        self._place: contextvars.ContextVar[_Place | None] = contextvars.ContextVar(
            "sending_place", default=None
        )

    async def wait_for_chat(self, chat_id: str) -> None:
        """Wait, without holding a sending place, until the chat's own limit has room."""
        chat_limit = self._limits.for_chat(chat_id)[:1]
        while (wait := await self._limiter.delay(chat_limit, self._timer.seconds())) > 0:
            await self._timer.sleep(wait)

    @asynccontextmanager
    async def sending_place(self) -> AsyncIterator[None]:
        """One of the places to send from (see `SendingPlaces`). Record the outcome before
        leaving it, so a crash repeats no more than the messages inside the places."""
        async with self.places.place():
            place = _Place(started=self._timer.seconds())
            token = self._place.set(place)
            completed = False
            try:
                yield
                completed = True
            finally:
                self._place.reset(token)
                if completed:
                    elapsed = self._timer.seconds() - place.started
                    self.places.measured(elapsed - place.waited)

    @asynccontextmanager
    async def rate_slot(self, chat_id: str) -> AsyncIterator[Send]:
        """Wait until every limit has room for a message to `chat_id`, count it, and
        yield the function that sends it (it dates the count from the server's answer)."""
        limits = self._limits.for_chat(chat_id)
        token = uuid.uuid4().hex
        waiting_since = self._timer.seconds()
        while (wait := await self._limiter.acquire(limits, self._timer.seconds(), token)) > 0:
            # A send in flight elsewhere may free its place as soon as it is answered.
            await self._timer.sleep(min(wait, RECHECK_SECONDS))
        if (place := self._place.get()) is not None:
            place.waited += self._timer.seconds() - waiting_since
        answered = False

        async def send(message: ClaimedMessage) -> int:
            nonlocal answered
            try:
                return await self._channel.send(message.recipient, message.payload)
            finally:
                answered = True
                await self._limiter.confirm(limits, token, self._timer.seconds())

        try:
            yield send
        finally:
            if not answered:
                await self._limiter.confirm(limits, token, self._timer.seconds())
