"""The sandbox's web chat: a Telegram-like client in the browser for the people of a
`FakeTelegramServer`, so anyone can try a bot without Telegram.

`WebChat.install(app)` adds the page and its API to an aiohttp application (in
`coachbot sandbox`, the bot's own web app): the page at ``/``, plain HTML/JS/CSS under
``/sandbox/static/``, a JSON API under ``/sandbox/api/``, files under ``/sandbox/files/``.
A person picks or creates an account and acts exactly as a Telegram client would (through
`FakeUser`: messages with entities, photos, albums, locations, button presses). What the
bot does arrives live over server-sent events: new messages, edits, deletions, keyboards,
"typing…", command menus. Each tab shows one person's chat, so coach and client can be
played side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from coachbot.sandbox.telegram_http import MAX_BODY_BYTES
from coachbot.sandbox.telegram_models import ChatMessage, Signal
from coachbot.sandbox.telegram_server import FakeTelegramServer, FakeUser
from coachbot.sandbox.web_chat_feed import Feed, any_change, write_event
from coachbot.sandbox.web_chat_input import (
    WebChatError,
    answering_errors,
    check_csrf,
    clean,
    json_body,
    send_files,
    send_location,
    split_text,
    user_id_of,
)
from coachbot.sandbox.web_render import (
    FILES_PATH,
    account_names,
    message_view,
    preview,
    reply_keyboard,
)

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "web"
STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}
KEEPALIVE_SECONDS = 15.0
CALLBACK_ANSWER_SECONDS = 10.0  # Telegram's clients stop waiting for an answer too
FIRST_PAGE_USER_ID = 5001  # people created on the page get ids from here on
LANGUAGES = ("en", "de")
# The body size the hosting application must accept (aiohttp's default is 1 MiB, less
# than a phone photo): Telegram's own upload limit, so the bot's size checks are reached.
UPLOAD_LIMIT = MAX_BODY_BYTES

Action = Callable[[int], Awaitable[str]]


@dataclass(frozen=True)
class SandboxAction:
    """A shortcut the page offers besides chatting (e.g. "make my check-in due now").
    `run` gets the Telegram user id of the person whose chat is shown and returns what
    happened, in a sentence."""

    key: str
    label: str
    hint: str
    run: Action


class WebChat:
    def __init__(
        self,
        server: FakeTelegramServer,
        *,
        title: str = "Sandbox",
        actions: Sequence[SandboxAction] = (),
    ) -> None:
        self._server = server
        self._title = title
        self._actions = {action.key: action for action in actions}
        self._labels: dict[int, str] = {}
        self._links: dict[int, str] = {}  # start parameters of deep links opened, by person
        self._seen: dict[int, int] = {}  # bot messages each person's open chat has shown
        self._changed = Signal()  # people added, links opened
        self._closing = False

    # ------------------------------------------------------------------ set-up

    def add_person(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
        label: str = "",
        started: bool = False,
    ) -> FakeUser:
        """Someone to pick on the page; `started`: they used the bot before (it may write)."""
        person = self._server.user(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        person.chat.started = person.chat.started or started
        self.set_label(user_id, label)
        self._changed.notify()
        return person

    def set_label(self, user_id: int, label: str) -> None:
        """What the account list says about the person (e.g. their role), changed live."""
        if self._labels.get(user_id, "") != label:
            self._labels[user_id] = label
            self._changed.notify()

    def open_link(self, user_id: int, start: str) -> None:
        """The person opened t.me/<bot>?start=<start>: their chat offers START."""
        self._person(user_id)
        self._links[user_id] = start
        self._changed.notify()

    def install(self, app: web.Application) -> None:
        """`app` must have been made with `client_max_size=UPLOAD_LIMIT`."""
        routes = (
            ("GET", "/", self._page),
            ("GET", "/sandbox/static/{name}", self._static),
            ("GET", "/sandbox/api/state", self._state),
            ("POST", "/sandbox/api/people", self._create_person),
            ("GET", "/sandbox/api/people/{user_id}/events", self._events),
            ("POST", "/sandbox/api/people/{user_id}/messages", self._send),
            ("POST", "/sandbox/api/people/{user_id}/press", self._press),
            ("POST", "/sandbox/api/people/{user_id}/link", self._link),
            ("POST", "/sandbox/api/people/{user_id}/block", self._block),
            ("POST", "/sandbox/api/actions/{key}", self._action),
            ("GET", FILES_PATH + "{file_id}", self._file),
        )
        for method, path, handler in routes:
            app.router.add_route(method, path, answering_errors(handler))
        app.on_shutdown.append(self._close_streams)

    # ------------------------------------------------------------------ what the page shows

    @property
    def bot_username(self) -> str:
        return str(self._server.bot_user.get("username", ""))

    def people(self) -> list[dict[str, Any]]:
        """Every person, in the order they appeared, as the account list shows them."""
        summaries = []
        for user_id, user in self._server.world.users.items():
            chat = self._server.world.chats.get(user_id)
            if user.get("is_bot") or chat is None:
                continue
            last = chat.last_message
            summaries.append(
                {
                    "id": user_id,
                    "name": account_names(user),
                    "username": user.get("username", ""),
                    "language": user.get("language_code", ""),
                    "label": self._labels.get(user_id, ""),
                    "preview": preview(last),
                    "date": last.payload.get("date", 0) if last else 0,
                    "unread": max(0, len(chat.bot_history) - self._seen.get(user_id, 0)),
                    "blocked": chat.blocked,
                }
            )
        return summaries

    def chat_state(self, person: FakeUser) -> dict[str, Any]:
        chat = person.chat
        return {
            "messages": [self.render(m) for m in chat.messages],
            "keyboard": reply_keyboard(chat),
            "commands": self._server.commands_for(person.id),
            "blocked": chat.blocked,
            "started": chat.started,
            "link": self._links.get(person.id),
        }

    def render(self, message: ChatMessage) -> dict[str, Any]:
        return message_view(message, bot_username=self.bot_username)

    # ------------------------------------------------------------------ HTTP handlers

    async def _page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        return web.FileResponse(
            STATIC / name,
            headers={"Content-Type": STATIC_FILES[name], "Cache-Control": "no-cache"},
        )

    async def _state(self, request: web.Request) -> web.Response:
        bot = self._server.bot_user
        return web.json_response(
            {
                "title": self._title,
                "bot": {"name": bot.get("first_name", ""), "username": self.bot_username},
                "people": self.people(),
                "languages": LANGUAGES,
                "actions": [
                    {"key": a.key, "label": a.label, "hint": a.hint} for a in self._actions.values()
                ],
            }
        )

    async def _create_person(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        first_name = clean(body.get("first_name"), 64)
        if not first_name:
            raise WebChatError(400, "A first name is needed.")
        language = body.get("language_code") or "en"
        if language not in LANGUAGES:
            raise WebChatError(400, f"Language must be one of {', '.join(LANGUAGES)}.")
        user_id = max([FIRST_PAGE_USER_ID - 1, *self._server.world.users]) + 1
        self.add_person(
            user_id,
            first_name,
            last_name=clean(body.get("last_name"), 64) or None,
            username=clean(body.get("username"), 32) or None,
            language_code=language,
        )
        return web.json_response({"id": user_id})

    async def _link(self, request: web.Request) -> web.Response:
        person = self._person_of(request)
        body = await json_body(request)
        start = str(body.get("start", ""))
        if len(start) > 64:  # Telegram's limit for start parameters
            raise WebChatError(400, "That start parameter is too long.")
        self.open_link(person.id, start)
        return web.json_response({"ok": True})

    async def _send(self, request: web.Request) -> web.Response:
        person = self._person_of(request)
        if request.content_type == "multipart/form-data":
            await send_files(request, person)
            return web.json_response({"ok": True})
        body = await json_body(request)
        if "location" in body:
            await send_location(person, body["location"])
            return web.json_response({"ok": True})
        text = str(body.get("text", ""))
        if not text.strip():
            raise WebChatError(400, "Type a message first.")
        if text.split(maxsplit=1)[0] == "/start":
            self._links.pop(person.id, None)
        for part in split_text(text):  # a long paste goes as several messages
            await person.send_text(part)
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        person = self._person_of(request)
        body = await json_body(request)
        message = person.chat.get(int(body.get("message_id", 0)))
        data = str(body.get("data", ""))
        shown = [b.callback_data for row in message.inline_buttons for b in row] if message else []
        if message is None or data not in shown:
            raise WebChatError(404, "That button is gone.")
        query_id = await person.press_data(message.message_id, data)
        answer = await person.wait_callback_answer(query_id, CALLBACK_ANSWER_SECONDS)
        if answer is None:
            return web.json_response({"answered": False})
        return web.json_response(
            {"answered": True, "text": answer.text or "", "show_alert": answer.show_alert}
        )

    async def _block(self, request: web.Request) -> web.Response:
        person = self._person_of(request)
        blocked = bool((await json_body(request)).get("blocked"))
        if blocked != person.chat.blocked:
            await (person.block_bot() if blocked else person.unblock_bot())
            person.chat.changed.notify()
        return web.json_response({"blocked": person.chat.blocked})

    async def _action(self, request: web.Request) -> web.Response:
        action = self._actions.get(request.match_info["key"])
        if action is None:
            raise WebChatError(404, "There is no such action.")
        body = await json_body(request)
        person = self._person(user_id_of(body.get("user_id")))
        try:
            outcome = await action.run(person.id)
        except Exception:
            logger.exception("sandbox action %s failed", action.key)
            raise WebChatError(500, "That did not work; the log has the details.") from None
        return web.json_response({"text": outcome})

    async def _file(self, request: web.Request) -> web.Response:
        stored = self._server.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, max-age=86400"}
        if stored.kind != "photo" and "download" in request.query:
            name = (stored.file_name or "file").replace('"', "")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        content_type = stored.mime_type or ("image/jpeg" if stored.kind == "photo" else None)
        return web.Response(
            body=stored.data,
            content_type=content_type or "application/octet-stream",
            headers=headers,
        )

    # ------------------------------------------------------------------ live updates

    async def _events(self, request: web.Request) -> web.StreamResponse:
        person = self._person_of(request, post=False)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        feed = Feed(self, person)
        try:
            await write_event(response, "reset", feed.reset())
            while not self._closing:
                events = feed.changes()
                if events:
                    for name, data in events:
                        await write_event(response, name, data)
                    continue
                signals = (person.chat.changed, self._server.activity, self._changed)
                if not await any_change(signals, KEEPALIVE_SECONDS):
                    await response.write(b": keep-alive\n\n")
        except ConnectionResetError:
            pass  # the tab was closed
        return response

    def mark_seen(self, person: FakeUser) -> None:
        seen = len(person.chat.bot_history)
        if self._seen.get(person.id) != seen:
            self._seen[person.id] = seen
            self._changed.notify()

    async def _close_streams(self, _app: web.Application) -> None:
        """On shutdown: every event stream ends (the server waits for open requests)."""
        self._closing = True
        self._changed.notify()

    # ------------------------------------------------------------------ helpers

    def _person(self, user_id: int) -> FakeUser:
        user = self._server.world.users.get(user_id)
        if user is None or user.get("is_bot") or user_id not in self._server.world.chats:
            raise WebChatError(404, "There is no such person in the sandbox.")
        return self._server.user(user_id, user["first_name"])

    def _person_of(self, request: web.Request, *, post: bool = True) -> FakeUser:
        if post:
            check_csrf(request)
        return self._person(user_id_of(request.match_info["user_id"]))
