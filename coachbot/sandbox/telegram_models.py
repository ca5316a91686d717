"""State of the fake Telegram world: files, chats, messages and the records tests assert on.

These objects are shared by the server (which mutates them when the bot calls the API) and by
the scripted users (which read them as "what the human sees"). Messages are live objects: an
edit by the bot is visible through every reference a test already holds.
"""

from __future__ import annotations

import asyncio
import copy
import html
import itertools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coachbot.sandbox.telegram_files import (  # noqa: F401  (image_size, pillow_available: re-exported)
    FileStore,
    StoredFile,
    image_size,
    pillow_available,
)


class TelegramError(Exception):
    """An API call Telegram answers with ok=false; carries the HTTP status and description."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {message}")


def forbidden(message: str) -> TelegramError:
    return TelegramError(403, f"Forbidden: {message}")


class Signal:
    """Wakes all current waiters whenever something changed.

    Waiters re-check their own condition after waking. No wake-up is lost: asyncio runs one
    coroutine at a time, so nothing can change between a check and the following wait.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def next_change(self) -> asyncio.Event:
        """The event the next notify() sets. Taken without awaiting, right after a check,
        so a change while the caller awaits something else is not missed."""
        return self._event

    async def wait(self, within: float) -> bool:
        """Wait for the next notify(); False if `within` seconds passed first."""
        try:
            await asyncio.wait_for(self._event.wait(), within)
        except TimeoutError:
            return False
        return True


async def wait_until(signal: Signal, predicate: Callable[[], bool], within: float) -> bool:
    """Wait until `predicate()` holds, re-checking on each notification; False on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        await signal.wait(remaining)
    return True


@dataclass(frozen=True)
class InlineButton:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None
    url: str | None
    raw: dict[str, Any]


@dataclass(eq=False)
class ChatMessage:
    """A message as it currently looks in the chat (edits applied).

    `payload` is the Bot API Message object (what the bot got back, updated on edits);
    `sent_markup` is the reply_markup the bot attached, of any kind (Telegram only echoes
    inline keyboards in the Message, but users also see reply keyboards).
    """

    payload: dict[str, Any]
    from_bot: bool
    raw_text: str | None = None
    parse_mode: str | None = None
    files: tuple[StoredFile, ...] = ()
    sent_markup: dict[str, Any] | None = None
    deleted: bool = False
    edits: int = 0

    @property
    def message_id(self) -> int:
        return int(self.payload["message_id"])

    def snapshot(self) -> dict[str, Any]:
        """A copy of the Message object as it is now (later edits do not change it)."""
        return copy.deepcopy(self.payload)

    @property
    def chat_id(self) -> int:
        return int(self.payload["chat"]["id"])

    @property
    def kind(self) -> str:
        """ "text", "photo", "document", "voice" or "location"."""
        kinds = ("text", "photo", "document", "voice", "location")
        return next((k for k in kinds if k in self.payload), "other")

    @property
    def text(self) -> str:
        """The visible text: message text, or the caption of a media message."""
        return str(self.payload.get("text", self.payload.get("caption", "")))

    @property
    def caption(self) -> str | None:
        return self.payload.get("caption")

    @property
    def html(self) -> str:
        """The text as HTML: what the bot sent in HTML mode, else the escaped visible text."""
        if self.parse_mode == "HTML" and self.raw_text is not None:
            return self.raw_text
        return html.escape(self.text, quote=False)

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.payload.get("entities", self.payload.get("caption_entities", [])))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.sent_markup

    @property
    def protect_content(self) -> bool:
        return bool(self.payload.get("has_protected_content"))

    @property
    def media_group_id(self) -> str | None:
        return self.payload.get("media_group_id")

    @property
    def inline_buttons(self) -> list[list[InlineButton]]:
        rows = (self.sent_markup or {}).get("inline_keyboard", [])
        return [
            [InlineButton(b["text"], b.get("callback_data"), b.get("url"), b) for b in row]
            for row in rows
        ]

    @property
    def buttons(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row."""
        return [[button.text for button in row] for row in self.inline_buttons]

    @property
    def keyboard(self) -> list[list[str]]:
        """Labels of a reply keyboard (ReplyKeyboardMarkup) attached to this message."""
        rows = (self.sent_markup or {}).get("keyboard", [])
        return [[button["text"] for button in row] for row in rows]

    def find_button(self, label: str) -> InlineButton | None:
        return next((b for row in self.inline_buttons for b in row if b.text == label), None)

    def button(self, label: str) -> InlineButton:
        """The inline button labelled `label`; AssertionError listing the labels if absent."""
        found = self.find_button(label)
        if found is None:
            raise AssertionError(
                f"message {self.message_id} has no button {label!r}; buttons: {self.buttons}"
            )
        return found

    @property
    def file(self) -> StoredFile | None:
        """The main file: the largest photo size, the document or the voice note."""
        return self.files[-1] if self.files else None

    @property
    def photo(self) -> bytes | None:
        return self.file.data if self.file and self.kind == "photo" else None

    @property
    def document(self) -> bytes | None:
        return self.file.data if self.file and self.kind == "document" else None

    @property
    def location(self) -> dict[str, Any] | None:
        return self.payload.get("location")

    def summary(self) -> str:
        """One transcript line."""
        who = "bot" if self.from_bot else "user"
        media = "" if self.kind == "text" else f"[{self.kind}] "
        line = f"#{self.message_id} {who}: {media}{self.text}".rstrip()
        if self.buttons:
            line += "  buttons: " + " / ".join(" | ".join(row) for row in self.buttons)
        if self.keyboard:
            line += "  keyboard: " + " / ".join(" | ".join(row) for row in self.keyboard)
        return line


class FakeChat:
    """One chat: its history as the human sees it and the bot's standing in it."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.history: list[ChatMessage] = []
        self.started = False  # a user wrote here, so the bot may post
        self.blocked = False
        self.actions: list[str] = []
        self.changed = Signal()
        self._message_ids = itertools.count(1)

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info["type"])

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    @property
    def messages(self) -> list[ChatMessage]:
        """Every message still visible, oldest first."""
        return [m for m in self.history if not m.deleted]

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def user_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if not m.from_bot]

    @property
    def bot_history(self) -> list[ChatMessage]:
        """Every message the bot ever sent here, including since-deleted ones."""
        return [m for m in self.history if m.from_bot]

    @property
    def last_bot_message(self) -> ChatMessage | None:
        bot = self.bot_messages
        return bot[-1] if bot else None

    @property
    def last_message(self) -> ChatMessage | None:
        visible = self.messages
        return visible[-1] if visible else None

    def get(self, message_id: int) -> ChatMessage | None:
        """A visible message by id."""
        return next((m for m in self.history if m.message_id == message_id and not m.deleted), None)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def append(self, message: ChatMessage) -> None:
        self.history.append(message)
        self.changed.notify()

    def transcript(self) -> str:
        """The visible conversation, one line per message, for assertion messages."""
        lines = [m.summary() for m in self.messages] or ["(no messages)"]
        return f"chat {self.id}:\n  " + "\n  ".join(lines)


@dataclass
class ApiCall:
    """One call the bot made, logged on arrival (a long poll shows up while it waits).

    `params` are the decoded parameters once validated (raw values before); `error` is set
    if the call was refused.
    """

    method: str
    params: dict[str, Any]
    error: str | None = None
    at: float = 0.0  # arrival, on the server's clock (what its rate limits count)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class RejectedCall:
    """A call the fake refused, as real Telegram would have."""

    method: str
    params: dict[str, Any]
    description: str
    error_code: int


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    url: str
    attempt: int
    status: int | None  # HTTP status, None when the connection itself failed
    error: str | None = None
    at: float = field(default_factory=time.monotonic)  # when the attempt ended

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a button press (answerCallbackQuery)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


class RateLimiter:
    """Telegram's documented sending limits over sliding windows of an injectable clock.

    More than 1 message per second in a private chat, 20 per minute in a group, or 30 per
    second overall is answered with 429 and a retry_after, as Telegram does under flood.
    """

    PRIVATE = (1, 1.0)
    GROUP = (20, 60.0)
    GLOBAL = (30, 1.0)

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._sent: dict[object, deque[float]] = {}

    def acquire(self, chat_id: int, *, private: bool) -> None:
        """Count one message to `chat_id`, or raise a 429 TelegramError if over a limit."""
        now = self._clock()
        rules: list[tuple[tuple[object, ...], int, float]] = [
            (("chat", chat_id), *(self.PRIVATE if private else self.GROUP))
        ]
        rules.append((("bot",), *self.GLOBAL))
        for key, limit, window in rules:
            sent = self._window(key, now, window)
            if len(sent) >= limit:
                retry_after = max(1, math.ceil(sent[0] + window - now))
                raise TelegramError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
        for key, _, _ in rules:
            self._sent[key].append(now)

    def _window(self, key: object, now: float, window: float) -> deque[float]:
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - window:
            sent.popleft()
        return sent
