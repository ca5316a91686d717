"""What tests and the web chat ask the fake Bot API: its people and chats, the calls it
got, what it shows, and waiting for something to happen (part of `FakeTelegramServer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from coachbot.sandbox.telegram_core import ServerCore
from coachbot.sandbox.telegram_models import (
    ApiCall,
    FakeChat,
    FileStore,
    Signal,
    wait_until,
)
from coachbot.sandbox.telegram_users import FakeUser


class InspectionMethods(ServerCore):
    """The test-facing side of the server."""

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """A scripted person in a private chat with the bot (chat id == user id).

        Idempotent per id. The bot can only write to the chat once the user wrote first.
        """
        if user_id not in self.world.users:
            user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
            optional = {"last_name": last_name, "username": username}
            user.update({key: value for key, value in optional.items() if value})
            if language_code:
                user["language_code"] = language_code
            self.world.users[user_id] = user
            chat = {"id": user_id, "type": "private", "first_name": first_name}
            chat.update({key: value for key, value in optional.items() if value})
            self.world.chats.setdefault(user_id, FakeChat(chat))
        return self.member(user_id, self.world.chats[user_id])

    def known_user(self, user_id: int, first_name: str, **profile: Any) -> FakeUser:
        """A user who started the bot some time ago: the bot may write to them, and no
        update is created (for seeding many recipients, e.g. in benchmarks)."""
        user = self.user(user_id, first_name, **profile)
        user.chat.started = True
        return user

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
    ) -> FakeChat:
        """A group chat; put users in it with `user.in_chat(group)`."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_id not in self.world.chats:
            info: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": title}
            if username:
                info["username"] = username
            self.world.chats[chat_id] = FakeChat(info)
        return self.world.chats[chat_id]

    def member(self, user_id: int, chat: FakeChat) -> FakeUser:
        """The scripted user `user_id` acting in `chat`."""
        key = (user_id, chat.id)
        if key not in self._fake_users:
            self._fake_users[key] = FakeUser(self, self.world.users[user_id], chat)
        return self._fake_users[key]

    def chat(self, chat_id: int) -> FakeChat:
        return self.world.chats[chat_id]

    def calls(self, method: str) -> list[ApiCall]:
        """Logged calls of one method (case-insensitive)."""
        return [call for call in self.requests if call.method.lower() == method.lower()]

    def assert_no_rejections(self, *, except_codes: Iterable[int] = ()) -> None:
        """Fail listing every refused call (optionally tolerating e.g. 429 or 403)."""
        tolerated = set(except_codes)
        refused = [call for call in self.rejected_calls if call.error_code not in tolerated]
        if refused:
            lines = "\n".join(
                f"  {c.method} -> {c.error_code} {c.description}  params={c.params!r}"
                for c in refused
            )
            raise AssertionError(f"the fake Telegram refused {len(refused)} call(s):\n{lines}")

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - same signature as FakeUser.wait_for
    ) -> None:
        """Wait until `predicate()` holds, re-checked after every API call and webhook delivery.

        For state outside a chat, e.g. ``await server.wait_for(lambda: server.commands_for(7))``
        when the bot sets commands after answering, or for a webhook delivery to be recorded
        (a bot that answers inside the webhook request is seen before its delivery ends).
        """
        if not await wait_until(self._activity, predicate, timeout):
            last = [f"{c.method} ({c.error or 'ok'})" for c in self.requests[-5:]]
            raise AssertionError(f"condition not met within {timeout}s; last calls: {last}")

    def commands_for(
        self, scope: dict[str, Any] | int, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Commands for a scope dict, or those the user of a chat id sees (see TelegramWorld)."""
        return self.world.commands_for(scope, language_code)

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return self.world.menu_button(chat_id)

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        return self.world.description(language_code, short=short)

    @property
    def activity(self) -> Signal:
        """Notified after every API call and webhook delivery (for live views)."""
        return self._activity

    @property
    def files(self) -> FileStore:
        return self.world.files

    @property
    def enforce_rate_limits(self) -> bool:
        """Answer 429 like Telegram when sending too fast (off by default; reset() restores)."""
        return self.world.enforce_rate_limits

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, enabled: bool) -> None:
        self.world.enforce_rate_limits = enabled

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        return [entry.update for entry in self._pending]

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""
