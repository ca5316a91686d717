"""The web chat's API over a fake Telegram server, with a bot driven by hand: what a
person does on the page becomes the updates a Telegram app would send, and what the bot
does reaches the page live (server-sent events)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from PIL import Image

from coachbot.sandbox.telegram_rules import TEXT_LIMIT
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.sandbox.web_chat import UPLOAD_LIMIT, SandboxAction, WebChat, split_text

TOKEN = "123456:WEB-chat"
POST = {"X-Sandbox": "1"}


async def _echo_action(user_id: int) -> str:
    return f"did it for {user_id}"


async def _failing_action(user_id: int) -> str:
    raise RuntimeError("boom")


class Page:
    """What the browser does: JSON calls and one event stream at a time."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: Any = None, *, headers=POST) -> tuple[int, Any]:
        async with self.http.post(self.base + path, json=body, headers=headers) as response:
            return response.status, await response.json()

    async def upload(self, user_id: int, files: list[tuple[str, bytes, str]], caption: str):
        form = aiohttp.FormData()
        for index, (name, data, content_type) in enumerate(files):
            form.add_field(f"file{index}", data, filename=name, content_type=content_type)
        form.add_field("caption", caption)
        url = f"{self.base}/sandbox/api/people/{user_id}/messages"
        async with self.http.post(url, data=form, headers=POST) as response:
            return response.status, await response.json()


class EventStream:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        name = ""
        async for raw in self._response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                await self.events.put((name, json.loads(line.removeprefix("data: "))))

    async def next(self, wanted: str, predicate=lambda data: True) -> Any:
        async with asyncio.timeout(5):
            while True:
                name, data = await self.events.get()
                if name == wanted and predicate(data):
                    return data

    async def close(self) -> None:
        self._task.cancel()
        self._response.close()


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[tuple[FakeTelegramServer, WebChat, Bot, Page]]:
    server = FakeTelegramServer(TOKEN, bot_username="web_chat_bot")
    await server.start()
    actions = [
        SandboxAction("echo", "Echo", "says who", _echo_action),
        SandboxAction("fail", "Fail", "breaks", _failing_action),
    ]
    chat = WebChat(server, title="Test sandbox", actions=actions)
    app = web.Application(client_max_size=UPLOAD_LIMIT)
    chat.install(app)
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    async with aiohttp.ClientSession() as http:
        yield server, chat, bot, Page(f"http://127.0.0.1:{runner.addresses[0][1]}", http)
    await bot.session.close()
    await runner.cleanup()
    await server.stop()


async def open_stream(page: Page, user_id: int) -> EventStream:
    response = await page.http.get(f"{page.base}/sandbox/api/people/{user_id}/events")
    assert response.headers["Content-Type"] == "text/event-stream"
    return EventStream(response)


async def take_updates(server: FakeTelegramServer, bot: Bot):
    """What the bot gets from a long poll (and confirms, as pollers do)."""
    updates = await bot.get_updates(timeout=5)
    assert updates, "no update within 5 s"
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


def jpeg(color: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


async def test_people_are_listed_and_new_ones_created_on_the_page(world):
    server, chat, _bot, page = world
    chat.add_person(1, "Anna", last_name="Coach", label="coach", started=True)
    status, state = await page.get("/sandbox/api/state")
    assert status == 200 and state["title"] == "Test sandbox"
    assert state["bot"] == {"name": "Coachbot", "username": "web_chat_bot"}
    anna = next(p for p in state["people"] if p["id"] == 1)
    assert (anna["name"], anna["label"], anna["unread"]) == ("Anna Coach", "coach", 0)
    assert [a["key"] for a in state["actions"]] == ["echo", "fail"]

    status, created = await page.post(
        "/sandbox/api/people", {"first_name": "  Zoe ", "language_code": "de"}
    )
    assert status == 200 and created["id"] >= 5001
    assert server.world.users[created["id"]]["language_code"] == "de"
    assert server.chat(created["id"]).started is False  # the bot may not write first
    refused = await page.post("/sandbox/api/people", {"first_name": "X", "language_code": "xx"})
    assert refused[0] == 400 and "Language" in refused[1]["error"]
    assert (await page.post("/sandbox/api/people", {"first_name": " "}))[0] == 400
    forged = await page.post("/sandbox/api/people", {"first_name": "Eve"}, headers={})
    assert forged == (403, {"error": "Requests must carry the X-Sandbox header."})
    assert (await page.post("/sandbox/api/people/999/messages", {"text": "hi"}))[0] == 404


async def test_what_a_person_types_reaches_the_bot_and_the_bots_edits_reach_the_page(world):
    server, chat, bot, page = world
    chat.add_person(11, "Ben")
    stream = await open_stream(page, 11)
    reset = await stream.next("reset")
    assert reset["messages"] == [] and reset["started"] is False and reset["keyboard"] is None

    assert await page.post("/sandbox/api/people/11/messages", {"text": "/start"}) == (
        200,
        {"ok": True},
    )
    mine = await stream.next("message")
    assert (mine["from_bot"], mine["html"]) == (
        False,
        '<a href="#" class="tg-command" data-command="/start">/start</a>',
    )
    assert await stream.next("started") is True
    (update,) = await take_updates(server, bot)
    assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    await bot.send_chat_action(11, "typing")
    assert await stream.next("action") == "typing"
    sent = await bot.send_message(11, "<b>Hi</b> &lt;3", parse_mode="HTML", reply_markup=keyboard)
    shown = await stream.next("message", lambda m: m["from_bot"])
    assert shown["html"] == "<b>Hi</b> &lt;3" and shown["edited"] is False
    assert shown["inline_keyboard"] == [[{"text": "Go", "data": "go"}]]
    await bot.edit_message_text("Bye", chat_id=11, message_id=sent.message_id)
    edited = await stream.next("message", lambda m: m["id"] == sent.message_id)
    assert (edited["html"], edited["edited"], edited["inline_keyboard"]) == ("Bye", True, [])
    await bot.delete_message(11, sent.message_id)
    assert await stream.next("deleted") == {"id": sent.message_id}

    await stream.close()
    server.assert_no_rejections()


async def test_pressing_a_button_waits_for_the_bots_answer(world):
    server, chat, bot, page = world
    person = chat.add_person(12, "Cleo", started=True)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Save", callback_data="save:1")]]
    )
    sent = await bot.send_message(12, "Save it?", reply_markup=keyboard)

    async def bot_answers() -> None:
        (update,) = await take_updates(server, bot)
        assert update.callback_query.data == "save:1"
        assert update.callback_query.from_user.id == 12
        await bot.answer_callback_query(update.callback_query.id, text="Saved", show_alert=True)

    answering = asyncio.create_task(bot_answers())
    pressed = await page.post(
        "/sandbox/api/people/12/press", {"message_id": sent.message_id, "data": "save:1"}
    )
    await answering
    assert pressed == (200, {"answered": True, "text": "Saved", "show_alert": True})
    forged = await page.post(
        "/sandbox/api/people/12/press", {"message_id": sent.message_id, "data": "save:2"}
    )
    assert forged == (404, {"error": "That button is gone."})
    assert person.callback_answers[0].text == "Saved"


async def test_pictures_go_as_photos_in_an_album_and_other_files_as_documents(world):
    server, chat, bot, page = world
    chat.add_person(13, "Dana", started=True)
    status, _ = await page.upload(
        13,
        [("a.jpg", jpeg("red"), "image/jpeg"), ("b.png", jpeg("blue"), "image/png")],
        "Week 1",
    )
    assert status == 200
    first, second = await take_updates(server, bot)
    assert first.message.photo and second.message.photo
    assert first.message.media_group_id == second.message.media_group_id is not None
    assert (first.message.caption, second.message.caption) == ("Week 1", None)

    await page.upload(13, [("plan.pdf", b"%PDF-1.4 plan", "application/pdf")], "")
    (document,) = await take_updates(server, bot)
    assert document.message.document.file_name == "plan.pdf"
    assert document.message.document.mime_type == "application/pdf"

    report = await bot.send_document(13, BufferedInputFile(b"%PDF-1.4 report", "report.pdf"))
    stored = server.files.get(report.document.file_id)
    url = f"{page.base}/sandbox/files/{stored.file_id}?download=1"
    async with page.http.get(url) as response:
        assert await response.read() == b"%PDF-1.4 report"
        assert response.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    empty = await page.upload(13, [("e.txt", b"", "text/plain")], "")
    assert empty == (400, {"error": "That file is empty."})


async def test_locations_deep_links_and_blocking(world):
    server, chat, bot, page = world
    chat.add_person(14, "Eli")
    assert await page.post("/sandbox/api/people/14/link", {"start": "tok-1"}) == (
        200,
        {"ok": True},
    )
    stream = await open_stream(page, 14)
    assert (await stream.next("reset"))["link"] == "tok-1"
    await page.post("/sandbox/api/people/14/messages", {"text": "/start tok-1"})
    assert await stream.next("link") is None
    (start,) = await take_updates(server, bot)
    assert start.message.text == "/start tok-1"

    await page.post(
        "/sandbox/api/people/14/messages", {"location": {"latitude": 38.7, "longitude": -9.1}}
    )
    (shared,) = await take_updates(server, bot)
    assert (shared.message.location.latitude, shared.message.location.longitude) == (38.7, -9.1)
    nowhere = await page.post(
        "/sandbox/api/people/14/messages", {"location": {"latitude": 91, "longitude": 0}}
    )
    assert nowhere == (400, {"error": "That is not a place on Earth."})

    assert await page.post("/sandbox/api/people/14/block", {"blocked": True}) == (
        200,
        {"blocked": True},
    )
    assert await stream.next("blocked") is True
    (blocked,) = await take_updates(server, bot)
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    await stream.close()


async def test_actions_run_for_the_person_shown(world):
    _server, chat, _bot, page = world
    chat.add_person(15, "Farah")
    assert await page.post("/sandbox/api/actions/echo", {"user_id": 15}) == (
        200,
        {"text": "did it for 15"},
    )
    failed = await page.post("/sandbox/api/actions/fail", {"user_id": 15})
    assert failed == (500, {"error": "That did not work; the log has the details."})
    assert (await page.post("/sandbox/api/actions/nope", {"user_id": 15}))[0] == 404
    assert (await page.post("/sandbox/api/actions/echo", {"user_id": 4242}))[0] == 404


async def test_the_page_is_plain_files_served_without_a_build(world):
    _server, _chat, _bot, page = world
    async with page.http.get(page.base + "/") as response:
        assert response.status == 200
        assert '<script src="/sandbox/static/chat.js">' in await response.text()
    for name, kind in (("chat.js", "text/javascript"), ("chat.css", "text/css")):
        async with page.http.get(f"{page.base}/sandbox/static/{name}") as response:
            assert (response.status, response.content_type) == (200, kind)
    async with page.http.get(f"{page.base}/sandbox/static/index.py") as response:
        assert response.status == 404


def test_long_texts_are_split_at_whitespace_as_telegrams_apps_do():
    words = " ".join(f"word{i}" for i in range(2000))  # 17,889 characters
    parts = split_text(words)
    assert len(parts) == 5 and all(len(part) <= TEXT_LIMIT for part in parts)
    assert " ".join(parts) == words  # cut between words, nothing lost
    paragraphs = "a" * 3000 + "\n" + "b " * 800
    assert split_text(paragraphs) == ["a" * 3000, ("b " * 800).strip()]
    assert split_text("x" * 5000) == ["x" * TEXT_LIMIT, "x" * (5000 - TEXT_LIMIT)]
    assert split_text("short") == ["short"]


async def test_a_long_paste_reaches_the_bot_as_several_messages(world):
    server, chat, bot, page = world
    chat.add_person(16, "Gil", started=True)
    text = "\n".join(f"Line {i}: " + "lorem ipsum " * 9 + "lorem ipsum" for i in range(100))
    status, _ = await page.post("/sandbox/api/people/16/messages", {"text": text})
    assert status == 200
    updates = await take_updates(server, bot)
    while len(updates) < 4 and sum(len(u.message.text) for u in updates) < len(text) - 200:
        updates += await take_updates(server, bot)
    texts = [update.message.text for update in updates]
    assert len(texts) == 4 and all(len(part) <= TEXT_LIMIT for part in texts)
    assert "\n".join(texts) == text  # each part ends at a line break
