"""The web chat's live updates: what changed in a person's open chat since it was last
sent, as server-sent events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from coachbot.sandbox.telegram_models import Signal
from coachbot.sandbox.telegram_server import FakeUser

if TYPE_CHECKING:
    from coachbot.sandbox.web_chat import WebChat


class Feed:
    """What one open chat was last sent, to send only what changed since."""

    def __init__(self, chat: WebChat, person: FakeUser) -> None:
        self._web = chat
        self._person = person
        self._versions: dict[int, tuple[int, bool]] = {}
        self._state: dict[str, Any] = {}
        self._actions = len(person.chat.actions)

    def reset(self) -> dict[str, Any]:
        state = self._web.chat_state(self._person)
        self._versions = {m.message_id: (m.edits, m.deleted) for m in self._person.chat.history}
        self._state = {key: value for key, value in state.items() if key != "messages"}
        self._state["people"] = self._web.people()
        self._actions = len(self._person.chat.actions)
        self._web.mark_seen(self._person)
        return {**state, "people": self._state["people"]}

    def changes(self) -> list[tuple[str, Any]]:
        events: list[tuple[str, Any]] = list(self._message_changes())
        self._web.mark_seen(self._person)
        state = self._web.chat_state(self._person)
        state.pop("messages")
        state["people"] = self._web.people()
        for key, value in state.items():
            if self._state.get(key) != value:
                self._state[key] = value
                events.append((key, value))
        actions = self._person.chat.actions
        if len(actions) > self._actions:
            self._actions = len(actions)
            events.append(("action", actions[-1]))
        return events

    def _message_changes(self) -> Iterable[tuple[str, Any]]:
        for message in self._person.chat.history:
            version = (message.edits, message.deleted)
            before = self._versions.get(message.message_id)
            if before == version:
                continue
            self._versions[message.message_id] = version
            if message.deleted:
                if before is not None:
                    yield "deleted", {"id": message.message_id}
            else:
                yield "message", self._web.render(message)


async def any_change(signals: Iterable[Signal], timeout: float) -> bool:  # noqa: ASYNC109
    """Wait until one of `signals` is notified; False after `timeout` seconds."""
    events = [signal.next_change() for signal in signals]  # taken before awaiting anything
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when="FIRST_COMPLETED")
    finally:
        for waiter in waiters:
            waiter.cancel()
    return bool(done)


async def write_event(response: web.StreamResponse, name: str, data: Any) -> None:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    await response.write(f"event: {name}\ndata: {body}\n\n".encode())
