"""Scripted Telegram users: the human side of an end-to-end conversation.

A `FakeUser` produces the updates a real client would (messages with the entities clients
add, photos in several sizes, button presses as callback queries) and reads the chat the way
the person sees it. Waiting helpers block on change notifications rather than sleep loops,
so tests are both fast and free of timing flakes; on timeout they fail with the transcript.
"""

from __future__ import annotations

import asyncio
import copy
import re
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from coachbot.sandbox.telegram_models import (
    CallbackAnswer,
    ChatMessage,
    FakeChat,
    FileStore,
    InlineButton,
    Signal,
    StoredFile,
    wait_until,
)

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")

ChatPredicate = Callable[[FakeChat], bool]


class UserServer(Protocol):
    """What a scripted user needs of the fake server (`FakeTelegramServer`)."""

    @property
    def bot_user(self) -> dict[str, Any]: ...

    @property
    def files(self) -> FileStore: ...

    def now(self) -> int: ...

    def publish_update(
        self, body: dict[str, Any], *, update_id: int | None = None
    ) -> dict[str, Any]: ...

    def open_callback_query(self, user: FakeUser) -> str: ...

    def member(self, user_id: int, chat: FakeChat) -> FakeUser: ...


class FakeUser:
    """One person acting in one chat (their private chat with the bot, or a group)."""

    def __init__(self, server: UserServer, user: dict[str, Any], chat: FakeChat) -> None:
        self._server = server
        self.user = user
        self.chat = chat
        self.callback_answers: list[CallbackAnswer] = []
        self._answers_changed = Signal()
        self._cursor = 0
        self._last_update: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, chat={self.chat.id})"

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def first_name(self) -> str:
        return str(self.user["first_name"])

    @property
    def language_code(self) -> str | None:
        return self.user.get("language_code")

    def in_chat(self, chat: FakeChat) -> FakeUser:
        """The same person acting in another chat (e.g. a group made with server.group)."""
        return self._server.member(self.id, chat)

    # ------------------------------------------------------------------ acting

    async def send_text(self, text: str) -> ChatMessage:
        """Write a message; a leading /command gets its bot_command entity like clients do."""
        if not text.strip():
            raise ValueError("Telegram clients do not send empty messages")
        content: dict[str, Any] = {"text": text}
        command = _COMMAND_RE.match(text)
        if command:
            entity = {"type": "bot_command", "offset": 0, "length": len(command.group(0))}
            content["entities"] = [entity]
        return await self._send(content)

    async def send_photo(
        self, data: bytes, *, caption: str | None = None, media_group_id: str | None = None
    ) -> ChatMessage:
        """Send a picture; Telegram stores it in several sizes (here: thumbnail + original)."""
        sizes = self._server.files.add_photo(data)
        content: dict[str, Any] = {"photo": [size.to_api() for size in sizes]}
        return await self._send(content, sizes, caption=caption, media_group_id=media_group_id)

    async def send_document(
        self,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> ChatMessage:
        stored = self._server.files.add(data, "document", file_name=file_name, mime_type=mime_type)
        content = {"document": stored.to_api()}
        return await self._send(content, (stored,), caption=caption, media_group_id=media_group_id)

    async def send_voice(self, data: bytes, *, duration: int = 1) -> ChatMessage:
        stored = self._server.files.add(data, "voice", mime_type="audio/ogg", duration=duration)
        return await self._send({"voice": stored.to_api()}, (stored,))

    async def send_location(self, latitude: float, longitude: float) -> ChatMessage:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}})

    async def press(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the inline button `label` on the newest bot message showing it (or on
        `message_id`); returns the callback query id."""
        message, button = self._find_button(label, message_id)
        if button.callback_data is None:
            raise AssertionError(f"button {label!r} sends no callback_data: {button.raw}")
        return await self.press_data(message.message_id, button.callback_data)

    async def press_data(self, message_id: int, callback_data: str) -> str:
        """Send a callback query with arbitrary data, e.g. a forged or stale button."""
        query_id = self._server.open_callback_query(self)
        message = self.chat.get(message_id)
        shown: dict[str, Any] = (
            message.snapshot()
            if message is not None
            else {"chat": dict(self.chat.info), "message_id": message_id, "date": 0}
        )
        query = {
            "id": query_id,
            "from": dict(self.user),
            "message": shown,
            "chat_instance": self._chat_instance(),
            "data": callback_data,
        }
        self._publish({"callback_query": query})
        return query_id

    async def send_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver a hand-made update as is (an update_id is added if missing)."""
        body = {key: value for key, value in update.items() if key != "update_id"}
        return self._publish(body, update_id=update.get("update_id"))

    async def resend_last_update(self) -> dict[str, Any]:
        """Deliver this user's previous update again, same update_id (a duplicate)."""
        if self._last_update is None:
            raise AssertionError(f"{self!r} has not sent anything yet")
        return await self.send_raw_update(self._last_update)

    async def block_bot(self) -> None:
        """Block the bot: sends become 403 and the bot gets a my_chat_member update."""
        self.chat.blocked = True
        self._member_update(old="member", new="kicked")

    async def unblock_bot(self) -> None:
        self.chat.blocked = False
        self._member_update(old="kicked", new="member")

    # ------------------------------------------------------------------ reading and waiting

    # Waiting helpers take `timeout` (the name tests expect) rather than asyncio.timeout().
    async def next_bot_message(self, timeout: float = 5.0) -> ChatMessage:  # noqa: ASYNC109
        """The oldest bot message this user has not consumed yet (waits for one)."""
        if not await wait_until(
            self.chat.changed, lambda: len(self.chat.bot_history) > self._cursor, timeout
        ):
            raise AssertionError(f"no new bot message within {timeout}s\n{self.chat.transcript()}")
        message = self.chat.bot_history[self._cursor]
        self._cursor += 1
        return message

    async def bot_messages_through(
        self,
        last: Callable[[ChatMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ChatMessage]:
        """Consume new bot messages up to and including the first that `last` accepts
        (e.g. the text that ends a card sent after its photos), however slowly they come."""
        collected: list[ChatMessage] = []
        async with asyncio.timeout(timeout):
            while not collected or not last(collected[-1]):
                collected.append(await self.next_bot_message(timeout=timeout))
        return collected

    async def bot_messages_until_idle(
        self,
        idle: float = 0.3,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ChatMessage]:
        """Consume new bot messages until none arrived for `idle` seconds (or `timeout`)."""
        collected: list[ChatMessage] = []
        loop_time = asyncio.get_running_loop().time
        deadline = loop_time() + timeout
        while loop_time() < deadline:
            seen = len(self.chat.bot_history)
            wait = min(idle, deadline - loop_time())

            def grew(n: int = seen) -> bool:
                return len(self.chat.bot_history) > n

            arrived = await wait_until(self.chat.changed, grew, wait)
            collected.extend(self._take_new())
            if not arrived:
                break
        return collected

    async def wait_for(
        self,
        predicate: ChatPredicate,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> FakeChat:
        """Wait until `predicate(chat)` holds; AssertionError with the transcript otherwise."""
        if not await wait_until(self.chat.changed, lambda: predicate(self.chat), timeout):
            raise AssertionError(f"condition not met within {timeout}s\n{self.chat.transcript()}")
        return self.chat

    async def callback_answer(
        self,
        callback_query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to one press."""
        answer = await self.wait_callback_answer(callback_query_id, timeout)
        if answer is None:
            raise AssertionError(
                f"callback query {callback_query_id} not answered within {timeout}s\n"
                f"{self.chat.transcript()}"
            )
        return answer

    async def wait_callback_answer(
        self,
        callback_query_id: str,
        timeout: float,  # noqa: ASYNC109
    ) -> CallbackAnswer | None:
        """The bot's answer to one press, or None if it did not answer within `timeout`."""

        def find() -> CallbackAnswer | None:
            return next(
                (a for a in self.callback_answers if a.callback_query_id == callback_query_id),
                None,
            )

        await wait_until(self._answers_changed, lambda: find() is not None, timeout)
        return find()

    def receive_callback_answer(self, params: dict[str, Any]) -> None:
        """Called by the server when the bot answers one of this user's presses."""
        self.callback_answers.append(
            CallbackAnswer(
                params["callback_query_id"],
                params.get("text"),
                bool(params.get("show_alert", False)),
                params.get("url"),
                int(params.get("cache_time", 0)),
            )
        )
        self._answers_changed.notify()

    # ------------------------------------------------------------------ internals

    async def _send(
        self,
        content: dict[str, Any],
        files: tuple[StoredFile, ...] = (),
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> ChatMessage:
        payload: dict[str, Any] = {
            "message_id": self.chat.next_message_id(),
            "from": dict(self.user),
            "chat": dict(self.chat.info),
            "date": self._server.now(),
            **content,
        }
        if caption:
            payload["caption"] = caption
        if media_group_id:
            payload["media_group_id"] = media_group_id
        raw_text = caption or content.get("text")
        message = ChatMessage(payload, from_bot=False, raw_text=raw_text, files=files)
        self.chat.started = True
        self.chat.append(message)
        self._publish({"message": copy.deepcopy(payload)})
        return message

    def _publish(self, body: dict[str, Any], update_id: int | None = None) -> dict[str, Any]:
        update = self._server.publish_update(body, update_id=update_id)
        self._last_update = copy.deepcopy(update)
        return update

    def _member_update(self, *, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            banned = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": dict(self._server.bot_user), **banned}

        change = {
            "chat": dict(self.chat.info),
            "from": dict(self.user),
            "date": self._server.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._publish({"my_chat_member": change})

    def _chat_instance(self) -> str:
        """Stable per chat, like Telegram's opaque chat_instance."""
        key = f"{self._server.bot_user['id']}:{self.chat.id}".encode()
        return str(zlib.crc32(key) * 7_919_133 + 4_201)

    def _take_new(self) -> list[ChatMessage]:
        history = self.chat.bot_history
        new, self._cursor = history[self._cursor :], len(history)
        return new

    def _find_button(self, label: str, message_id: int | None) -> tuple[ChatMessage, InlineButton]:
        if message_id is not None:
            message = self.chat.get(message_id)
            candidates = [message] if message is not None else []
        else:
            candidates = list(reversed(self.chat.bot_messages))
        for candidate in candidates:
            button = candidate.find_button(label)
            if button is not None:
                return candidate, button
        visible = {m.message_id: m.buttons for m in self.chat.bot_messages if m.buttons}
        where = f"message {message_id}" if message_id is not None else f"chat {self.chat.id}"
        raise AssertionError(
            f"no inline button {label!r} in {where}; visible buttons by message: {visible}\n"
            f"{self.chat.transcript()}"
        )
