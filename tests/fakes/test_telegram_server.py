"""The fake Telegram Bot API must refuse what Telegram refuses and behave like it otherwise.

Most tests speak raw HTTP to pin the protocol down (status codes, descriptions, encodings);
the aiogram tests prove that a real `Bot` — JSON, form and multipart requests, polling and
webhooks — passes the validation untouched.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    MenuButtonCommands,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from PIL import Image

from coachbot.sandbox.telegram_format import FormatError, parse_text
from coachbot.sandbox.telegram_models import Signal, wait_until
from coachbot.sandbox.telegram_server import FakeTelegramServer, FakeUser
from coachbot.sandbox.telegram_spec import BOT_METHODS, SPEC_PATH, build_spec_subset, load_spec

TOKEN = "123456:TEST-token"
FULL_SPEC = Path("/work/shared/specs/telegram-bot-api.json")


def image_bytes(width: int = 640, height: int = 480, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def inline(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]}


class MonotonicClock:
    """A monotonic clock the rate-limit tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """Raw Bot API client; checks that the HTTP status always matches the body."""

    def __init__(self, http: aiohttp.ClientSession, server: FakeTelegramServer) -> None:
        self.http = http
        self.server = server

    def url(self, method: str, token: str = TOKEN) -> str:
        return f"{self.server.url}/bot{token}/{method}"

    async def call(self, method: str, *, token: str = TOKEN, **params: Any) -> dict[str, Any]:
        async with self.http.post(self.url(method, token), json=params) as response:
            return await self._body(response)

    async def form(
        self,
        method: str,
        fields: dict[str, str],
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        data = aiohttp.FormData(quote_fields=False)
        for name, value in fields.items():
            data.add_field(name, value)
        for name, (filename, content) in (files or {}).items():
            data.add_field(name, content, filename=filename)
        async with self.http.post(self.url(method), data=data) as response:
            return await self._body(response)

    async def ok(self, method: str, **params: Any) -> Any:
        body = await self.call(method, **params)
        assert body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> str:
        body = await self.call(method, **params)
        assert not body["ok"], body
        return body["description"]

    @staticmethod
    async def _body(response: aiohttp.ClientResponse) -> dict[str, Any]:
        body = await response.json()
        expected = 200 if body["ok"] else body["error_code"]
        assert response.status == expected, (response.status, body)
        return body


class WebhookReceiver:
    """A scripted webhook endpoint: answers with queued statuses, records what arrived."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.statuses: deque[int] = deque()
        self.replies: deque[dict[str, Any]] = deque()
        self.changed = Signal()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        status = self.statuses.popleft() if self.statuses else 200
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if status == 200:
            self.updates.append(update)
        self.changed.notify()
        if status == 200 and self.replies:
            return web.json_response(self.replies.popleft())
        return web.Response(status=status)

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        assert await wait_until(self.changed, lambda: len(self.updates) >= count, 3.0)
        return self.updates


def make_bot(server: FakeTelegramServer, token: str = TOKEN) -> Bot:
    api = TelegramAPIServer.from_base(server.url)
    return Bot(token, session=AiohttpSession(api=api))


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(TOKEN, webhook_retry_delays=(0.01, 0.01, 0.01)) as fake:
        yield fake


@pytest_asyncio.fixture
async def api(server: FakeTelegramServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as http:
        yield Api(http, server)


@pytest_asyncio.fixture
async def ann(server: FakeTelegramServer) -> FakeUser:
    """A user who has started the bot, so the bot may write to her."""
    user = server.user(42, "Ann", username="ann")
    await user.send_text("/start")
    return user


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


# ---------------------------------------------------------------------- protocol and validation


@pytest.mark.asyncio
async def test_get_me_describes_the_bot_from_its_token(api: Api):
    me = await api.ok("getMe")
    assert me["id"] == 123456
    assert me["is_bot"] is True
    assert me["username"] == "coachbot_test_bot"


@pytest.mark.asyncio
async def test_method_names_are_case_insensitive_and_get_works(api: Api, server, ann):
    async with api.http.get(api.url("GETME")) as response:
        assert (await response.json())["ok"]
    query = {"chat_id": str(ann.id), "text": "via GET", "disable_notification": "true"}
    async with api.http.get(api.url("sendmessage"), params=query) as response:
        assert (await response.json())["result"]["text"] == "via GET"
    assert server.calls("sendMessage")[0].params["disable_notification"] is True
    server.assert_no_rejections()


@pytest.mark.asyncio
async def test_a_wrong_token_is_unauthorized(api: Api, server: FakeTelegramServer):
    body = await api.call("getMe", token="123456:wrong")
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert server.rejected_calls[0].error_code == 401


@pytest.mark.asyncio
async def test_an_unknown_method_is_not_found_and_recorded(api: Api, server):
    body = await api.call("sendMesage", chat_id=42, text="hi")
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [c.method for c in server.rejected_calls] == ["sendMesage"]
    with pytest.raises(AssertionError, match="sendMesage"):
        server.assert_no_rejections()
    server.assert_no_rejections(except_codes=[404])


@pytest.mark.asyncio
async def test_a_missing_required_parameter_is_named(api: Api, ann: FakeUser):
    assert await api.error("sendMessage", chat_id=ann.id) == (
        'Bad Request: parameter "text" is required'
    )


@pytest.mark.asyncio
async def test_unknown_parameters_are_refused_to_catch_typos(api: Api, ann: FakeUser):
    description = await api.error("sendMessage", chat_id=ann.id, text="hi", parse_mod="HTML")
    assert description.startswith('Bad Request: unknown parameter "parse_mod"')


@pytest.mark.asyncio
async def test_legacy_parameters_telegram_still_honours_are_accepted(api: Api, ann: FakeUser):
    sent = await api.ok("sendMessage", chat_id=ann.id, text="hi", reply_to_message_id=1)
    assert sent["reply_to_message"]["text"] == "/start"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"text": 5}, 'parameter "text" must be String, got 5'),
        ({"text": "hi", "disable_notification": "yes"}, '"disable_notification" must be Boolean'),
        (
            {"text": "hi", "reply_markup": {"inline_keyboard": [[{"callback_data": "x"}]]}},
            'parameter "reply_markup.inline_keyboard[0][0].text" is required',
        ),
        (
            {
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_date": "x"}]]},
            },
            'unknown field "callback_date" in parameter "reply_markup.inline_keyboard[0][0]"',
        ),
        ({"text": "hi", "reply_markup": {"inline_keyboard": "A"}}, "inline_keyboard"),
        ({"text": "hi", "reply_parameters": {"message_id": "1"}}, "message_id"),
        ({"text": "hi", "entities": [{"type": "bold", "offset": 0}]}, "entities[0].length"),
    ],
)
@pytest.mark.asyncio
async def test_wrongly_typed_values_are_refused(api: Api, ann: FakeUser, params, fragment):
    description = await api.error("sendMessage", chat_id=ann.id, **params)
    assert description.startswith("Bad Request: ")
    assert fragment in description


@pytest.mark.asyncio
async def test_union_objects_are_checked_against_their_declared_type(api: Api, ann: FakeUser):
    scope = {"type": "chat"}  # BotCommandScopeChat requires chat_id
    description = await api.error("setMyCommands", commands=[], scope=scope)
    assert 'parameter "scope.chat_id" is required' in description
    description = await api.error("setMyCommands", commands=[], scope={"type": "everyone"})
    assert 'parameter "scope.type" must be one of default, all_private_chats' in description


@pytest.mark.asyncio
async def test_form_values_are_decoded_like_telegram_does(api: Api, server, ann: FakeUser):
    fields = {
        "chat_id": str(ann.id),
        "text": "Pick one",
        "disable_notification": "true",
        "reply_markup": json.dumps(inline([("A", "a")])),
    }
    body = await api.form("sendMessage", fields)
    assert body["ok"], body
    params = server.calls("sendMessage")[-1].params
    assert params["chat_id"] == ann.id
    assert params["disable_notification"] is True
    assert params["reply_markup"] == inline([("A", "a")])


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"message_id": "12x"}, '"message_id" must be Integer'),
        ({"message_id": "1", "extra": "1"}, 'unknown parameter "extra"'),
    ],
)
@pytest.mark.asyncio
async def test_form_values_must_parse_as_their_type(api: Api, ann: FakeUser, fields, fragment):
    body = await api.form("deleteMessage", {"chat_id": str(ann.id), **fields})
    assert fragment in body["description"]


@pytest.mark.asyncio
async def test_a_form_field_that_is_not_json_is_refused(api: Api, ann: FakeUser):
    body = await api.form("sendMessage", {"chat_id": "42", "text": "x", "reply_markup": "{oops"})
    assert body["description"] == (
        'Bad Request: can\'t parse parameter "reply_markup" as a JSON dict'
    )


# ---------------------------------------------------------------------- chats and limits


@pytest.mark.asyncio
async def test_a_chat_that_never_wrote_to_the_bot_is_not_found(api: Api, server):
    server.user(7, "Silent")
    assert await api.error("sendMessage", chat_id=7, text="hi") == "Bad Request: chat not found"
    assert await api.error("sendMessage", chat_id=8, text="hi") == "Bad Request: chat not found"


@pytest.mark.asyncio
async def test_a_blocked_bot_is_forbidden_and_told_by_my_chat_member(api: Api, server, ann):
    await ann.block_bot()
    body = await api.call("sendMessage", chat_id=ann.id, text="hi")
    assert body == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    change = server.pending_updates[-1]["my_chat_member"]
    assert change["new_chat_member"]["status"] == "kicked"
    Update.model_validate(server.pending_updates[-1])


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("", None, "Bad Request: message text is empty"),
        ("   \n", None, "Bad Request: message text is empty"),
        ("<b></b>", "HTML", "Bad Request: message text is empty"),
        ("x" * 4097, None, "Bad Request: message is too long"),
        ("hi", "html5", "Bad Request: unsupported parse_mode"),
        ("<b>hi", "HTML", "Bad Request: can't parse entities: Can't find end tag"),
        ("a <br> b", "HTML", 'Unsupported start tag "br" at byte offset 2'),
        ("Done.", "MarkdownV2", "Character '.' is reserved and must be escaped"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    ],
)
@pytest.mark.asyncio
async def test_text_limits_and_formatting_errors(api: Api, ann, text, parse_mode, description):
    params = {"parse_mode": parse_mode} if parse_mode else {}
    assert description in await api.error("sendMessage", chat_id=ann.id, text=text, **params)


@pytest.mark.asyncio
async def test_length_limits_apply_to_the_visible_text(api: Api, ann: FakeUser):
    await api.ok("sendMessage", chat_id=ann.id, text="x" * 4096)
    await api.ok("sendMessage", chat_id=ann.id, text=f"<b>{'x' * 4096}</b>", parse_mode="html")
    sent = await api.ok(
        "sendMessage", chat_id=ann.id, text="<b>Plan</b> &lt;today&gt;", parse_mode="HTML"
    )
    assert sent["text"] == "Plan <today>"
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    seen = ann.chat.last_bot_message
    assert (seen.text, seen.html) == ("Plan <today>", "<b>Plan</b> &lt;today&gt;")


@pytest.mark.asyncio
async def test_caption_limit(api: Api, ann: FakeUser):
    fields = {"chat_id": str(ann.id), "caption": "x" * 1025}
    body = await api.form("sendPhoto", fields, {"photo": ("p.png", image_bytes(40, 30))})
    assert body["description"] == "Bad Request: message caption is too long"


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (inline([("A", "x" * 65)]), "Bad Request: BUTTON_DATA_INVALID"),
        (inline([("A", "é" * 33)]), "Bad Request: BUTTON_DATA_INVALID"),
        (inline([("A", "")]), "Bad Request: BUTTON_DATA_INVALID"),
        (inline(*[[("A", "a")] * 10] * 11), "Bad Request: REPLY_MARKUP_TOO_LONG"),
        ({"inline_keyboard": [[{"text": "A"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "A", "url": "javascript:x"}]]}, "BUTTON_URL_INVALID"),
    ],
)
@pytest.mark.asyncio
async def test_inline_keyboard_limits(api: Api, ann: FakeUser, markup, description):
    error = await api.error("sendMessage", chat_id=ann.id, text="hi", reply_markup=markup)
    assert description in error


@pytest.mark.asyncio
async def test_a_full_keyboard_of_64_byte_buttons_is_fine(api: Api, ann: FakeUser):
    markup = inline(*[[("A", "x" * 64)] * 10] * 10)
    await api.ok("sendMessage", chat_id=ann.id, text="hi", reply_markup=markup)


# ---------------------------------------------------------------------- editing and deleting


@pytest.mark.asyncio
async def test_edits_are_reflected_in_what_the_user_sees(api: Api, ann: FakeUser):
    sent = await api.ok(
        "sendMessage", chat_id=ann.id, text="Step 1", reply_markup=inline([("Next", "n")])
    )
    seen = await ann.next_bot_message()
    edited = await api.ok(
        "editMessageText",
        chat_id=ann.id,
        message_id=sent["message_id"],
        text="Step 2",
        reply_markup=inline([("Done", "d")]),
    )
    assert edited["text"] == "Step 2" and "edit_date" in edited
    assert (seen.text, seen.buttons, seen.edits) == ("Step 2", [["Done"]], 1)
    await api.ok("editMessageReplyMarkup", chat_id=ann.id, message_id=sent["message_id"])
    assert seen.buttons == [] and seen.reply_markup is None


@pytest.mark.asyncio
async def test_editing_text_without_a_keyboard_removes_it(api: Api, ann: FakeUser):
    sent = await api.ok("sendMessage", chat_id=ann.id, text="Q", reply_markup=inline([("A", "a")]))
    await api.ok("editMessageText", chat_id=ann.id, message_id=sent["message_id"], text="Q2")
    assert ann.chat.last_bot_message.buttons == []


@pytest.mark.asyncio
async def test_an_edit_that_changes_nothing_is_refused(api: Api, ann: FakeUser):
    markup = inline([("A", "a")])
    sent = await api.ok("sendMessage", chat_id=ann.id, text="Same", reply_markup=markup)
    description = await api.error(
        "editMessageText",
        chat_id=ann.id,
        message_id=sent["message_id"],
        text="Same",
        reply_markup=markup,
    )
    assert description.startswith("Bad Request: message is not modified: specified new message")


@pytest.mark.asyncio
async def test_edit_and_delete_need_an_existing_bot_message(api: Api, ann: FakeUser):
    edit = {"chat_id": ann.id, "text": "x"}
    assert await api.error("editMessageText", message_id=99, **edit) == (
        "Bad Request: message to edit not found"
    )
    user_message = ann.chat.messages[0].message_id
    assert await api.error("editMessageText", message_id=user_message, **edit) == (
        "Bad Request: message can't be edited"
    )
    sent = await api.ok("sendMessage", chat_id=ann.id, text="bye")
    assert await api.ok("deleteMessage", chat_id=ann.id, message_id=sent["message_id"]) is True
    assert ann.chat.bot_messages == []
    assert await api.error("deleteMessage", chat_id=ann.id, message_id=sent["message_id"]) == (
        "Bad Request: message to delete not found"
    )


@pytest.mark.asyncio
async def test_caption_edits_and_media_rules(api: Api, ann: FakeUser):
    text_message = await api.ok("sendMessage", chat_id=ann.id, text="plain")
    description = await api.error(
        "editMessageCaption", chat_id=ann.id, message_id=text_message["message_id"], caption="c"
    )
    assert description == "Bad Request: there is no caption in the message to edit"
    photo = await ann.send_photo(image_bytes(), caption="mine")
    file_id = photo.payload["photo"][-1]["file_id"]
    sent = await api.ok(
        "sendPhoto", chat_id=ann.id, photo=file_id, caption="<i>old</i>", parse_mode="HTML"
    )
    await api.ok("editMessageCaption", chat_id=ann.id, message_id=sent["message_id"], caption="new")
    assert ann.chat.last_bot_message.text == "new"
    assert ann.chat.last_bot_message.entities == []


# ---------------------------------------------------------------------- updates and long polling


@pytest.mark.asyncio
async def test_get_updates_honours_offset_and_limit(api: Api, server, ann: FakeUser):
    await ann.send_text("one")
    await ann.send_text("two")
    first = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first] == ["/start", "one"]
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["/start", "one", "two"]
    rest = await api.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["two"]
    assert await api.ok("getUpdates", offset=rest[-1]["update_id"] + 1) == []
    for update in first + rest:
        Update.model_validate(update)


@pytest.mark.asyncio
async def test_a_negative_offset_keeps_only_the_latest_updates(api: Api, ann: FakeUser):
    await ann.send_text("two")
    await ann.send_text("three")
    latest = await api.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in latest] == ["three"]


@pytest.mark.asyncio
async def test_a_long_poll_wakes_as_soon_as_an_update_arrives(api: Api, server):
    user = server.user(5, "Eve")
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5))
    await asyncio.sleep(0.02)
    assert not poll.done()
    assert [c.method for c in server.requests] == ["getUpdates"]  # logged while it waits
    await user.send_text("hello")
    updates = await asyncio.wait_for(poll, 1)
    assert [u["message"]["text"] for u in updates] == ["hello"]
    assert loop.time() - started < 1


@pytest.mark.asyncio
async def test_a_newer_poll_terminates_the_older_one(api: Api, server):
    older = asyncio.create_task(api.call("getUpdates", timeout=5))
    await asyncio.sleep(0.02)
    assert await api.ok("getUpdates") == []
    body = await asyncio.wait_for(older, 1)
    assert body["error_code"] == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


@pytest.mark.asyncio
async def test_stop_answers_a_pending_long_poll_with_no_updates():
    server = FakeTelegramServer(TOKEN)
    await server.start()
    async with aiohttp.ClientSession() as http:
        api = Api(http, server)
        poll = asyncio.create_task(api.ok("getUpdates", timeout=30))
        await asyncio.sleep(0.02)
        await asyncio.wait_for(server.stop(), 2)
        assert await asyncio.wait_for(poll, 1) == []


@pytest.mark.asyncio
async def test_reset_ends_a_pending_long_poll_quietly(api: Api, server):
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5))
    await asyncio.sleep(0.02)
    server.reset()
    assert await asyncio.wait_for(poll, 1) == []
    server.assert_no_rejections()


@pytest.mark.asyncio
async def test_server_wait_for_sees_state_the_bot_changes_later(api: Api, server, ann):
    async def bot_sets_commands_after_answering() -> None:
        await asyncio.sleep(0.02)
        commands = [{"command": "menu", "description": "Menu"}]
        scope = {"type": "chat", "chat_id": ann.id}
        await api.ok("setMyCommands", commands=commands, scope=scope)

    task = asyncio.create_task(bot_sets_commands_after_answering())
    await server.wait_for(lambda: bool(server.commands_for(ann.id)), timeout=1)
    await task
    with pytest.raises(AssertionError, match="last calls"):
        await server.wait_for(lambda: False, timeout=0.02)


@pytest.mark.asyncio
async def test_allowed_updates_filters_later_updates(api: Api, server, ann: FakeUser):
    await api.ok("getUpdates", offset=-1)
    await api.ok(
        "getUpdates",
        offset=server.pending_updates[-1]["update_id"] + 1,
        allowed_updates=["callback_query"],
    )
    await ann.send_text("ignored")
    sent = await api.ok("sendMessage", chat_id=ann.id, text="q", reply_markup=inline([("A", "a")]))
    await ann.press("A", message_id=sent["message_id"])
    updates = await api.ok("getUpdates")
    assert [next(k for k in u if k != "update_id") for u in updates] == ["callback_query"]


@pytest.mark.asyncio
async def test_a_resent_update_is_delivered_again_with_the_same_id(api: Api, ann: FakeUser):
    first = await api.ok("getUpdates")
    await api.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    duplicate = await ann.resend_last_update()
    again = await api.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    assert again == [duplicate] == first


# ---------------------------------------------------------------------- buttons and callbacks


@pytest.mark.asyncio
async def test_pressing_a_button_sends_a_callback_query(api: Api, server, ann: FakeUser):
    await api.ok("sendMessage", chat_id=ann.id, text="Old", reply_markup=inline([("Go", "old")]))
    sent = await api.ok(
        "sendMessage", chat_id=ann.id, text="New", reply_markup=inline([("Go", "new")])
    )
    query_id = await ann.press("Go")
    query = server.pending_updates[-1]["callback_query"]
    assert (query["id"], query["data"]) == (query_id, "new")
    assert query["message"]["message_id"] == sent["message_id"]
    assert query["from"]["id"] == ann.id
    Update.model_validate(server.pending_updates[-1])
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Saved") is True
    answer = await ann.callback_answer(query_id)
    assert (answer.text, answer.show_alert) == ("Saved", False)
    description = await api.error("answerCallbackQuery", callback_query_id=query_id)
    assert description.startswith("Bad Request: query is too old")


@pytest.mark.asyncio
async def test_pressing_a_missing_button_lists_the_visible_ones(api: Api, ann: FakeUser):
    await api.ok(
        "sendMessage", chat_id=ann.id, text="Q", reply_markup=inline([("Yes", "y"), ("No", "n")])
    )
    with pytest.raises(AssertionError, match=r"no inline button 'Maybe'.*\['Yes', 'No'\]"):
        await ann.press("Maybe")


@pytest.mark.asyncio
async def test_a_forged_callback_can_point_at_any_message(server, ann: FakeUser):
    query_id = await ann.press_data(999, "admin:delete_all")
    query = server.pending_updates[-1]["callback_query"]
    assert query["id"] == query_id and query["message"]["date"] == 0  # inaccessible message
    Update.model_validate(server.pending_updates[-1])


@pytest.mark.asyncio
async def test_every_user_action_makes_a_real_shaped_update(server: FakeTelegramServer):
    eve = server.user(9, "Eve", last_name="Ng", username="eve", language_code="de")
    await eve.send_text("/start@coachbot_test_bot deep-link")
    await eve.send_photo(image_bytes(), caption="meal", media_group_id="g1")
    await eve.send_document(b"x", file_name="a.txt", mime_type="text/plain", media_group_id="g2")
    await eve.send_voice(b"OggS", duration=3)
    await eve.send_location(52.5, 13.4)
    await eve.press_data(1, "data")
    await eve.block_bot()
    await eve.unblock_bot()
    team = server.group(-1001, "Team")
    await eve.in_chat(team).send_text("hello team")
    updates = server.pending_updates
    for update in updates:
        Update.model_validate(update)
    first = updates[0]["message"]
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 24}]
    assert first["from"]["language_code"] == "de" and first["chat"]["type"] == "private"
    assert updates[1]["message"]["media_group_id"] == "g1"
    assert updates[-1]["message"]["chat"] == {"id": -1001, "type": "supergroup", "title": "Team"}
    assert len({u["update_id"] for u in updates}) == len(updates) == 9
    assert [m.kind for m in eve.chat.messages] == ["text", "photo", "document", "voice", "location"]


# ---------------------------------------------------------------------- waiting helpers


@pytest.mark.asyncio
async def test_waiting_helpers_follow_bot_messages(api: Api, ann: FakeUser):
    async def bot_writes() -> None:
        for text in ("one", "two", "three"):
            await asyncio.sleep(0.01)
            await api.ok("sendMessage", chat_id=ann.id, text=text)

    writer = asyncio.create_task(bot_writes())
    assert (await ann.next_bot_message(timeout=1)).text == "one"
    rest = await ann.bot_messages_until_idle(idle=0.1, timeout=2)
    assert [m.text for m in rest] == ["two", "three"]
    await writer
    chat = await ann.wait_for(lambda c: c.last_bot_message.text == "three", timeout=0.1)
    assert [m.from_bot for m in chat.messages] == [False, True, True, True]


@pytest.mark.asyncio
async def test_waiting_in_vain_fails_with_the_transcript(ann: FakeUser):
    with pytest.raises(
        AssertionError, match=r"no new bot message within 0.05s(.|\n)*#1 user: /start"
    ):
        await ann.next_bot_message(timeout=0.05)
    with pytest.raises(AssertionError, match="condition not met"):
        await ann.wait_for(lambda chat: len(chat.messages) > 5, timeout=0.05)
    with pytest.raises(AssertionError, match="not answered"):
        await ann.callback_answer("123", timeout=0.05)


# ---------------------------------------------------------------------- rate limits


@pytest.mark.asyncio
async def test_rate_limits_are_off_by_default(api: Api, ann: FakeUser):
    for _ in range(5):
        await api.ok("sendMessage", chat_id=ann.id, text="burst")


@pytest_asyncio.fixture
async def limited() -> AsyncIterator[tuple[Api, MonotonicClock]]:
    """A server enforcing rate limits on a clock the test moves."""
    clock = MonotonicClock()
    async with (
        FakeTelegramServer(TOKEN, clock=clock, enforce_rate_limits=True) as server,
        aiohttp.ClientSession() as http,
    ):
        yield Api(http, server), clock


@pytest.mark.asyncio
async def test_a_private_chat_gets_one_message_per_second(limited):
    api, clock = limited
    ann = api.server.user(42, "Ann")
    await ann.send_text("/start")
    await api.ok("sendMessage", chat_id=ann.id, text="1")
    clock.advance(0.4)
    body = await api.call("sendMessage", chat_id=ann.id, text="2")
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    clock.advance(0.6)
    await api.ok("sendMessage", chat_id=ann.id, text="2")
    assert [m.text for m in ann.chat.bot_messages] == ["1", "2"]


@pytest.mark.asyncio
async def test_group_and_global_limits(limited):
    api, clock = limited
    server = api.server
    group = server.group(-100123, "Team")
    await server.user(1, "A").in_chat(group).send_text("hi all")
    for _ in range(20):
        await api.ok("sendMessage", chat_id=group.id, text="x")
        clock.advance(0.1)
    body = await api.call("sendMessage", chat_id=group.id, text="x")
    assert body["parameters"]["retry_after"] == 58
    clock.advance(60)
    users = [server.user(100 + i, f"U{i}") for i in range(31)]
    for user in users:
        await user.send_text("/start")
    for user in users[:30]:
        await api.ok("sendMessage", chat_id=user.id, text="hello")
    body = await api.call("sendMessage", chat_id=users[30].id, text="hello")
    assert body["error_code"] == 429


# ---------------------------------------------------------------------- files


@pytest.mark.asyncio
async def test_a_user_photo_round_trips_through_get_file(api: Api, server, ann: FakeUser):
    original = image_bytes(1000, 500)
    message = await ann.send_photo(original, caption="my meal")
    sizes = message.payload["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(320, 160), (1000, 500)]
    file = await api.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_size"] == len(original)
    async with api.http.get(f"{server.url}/file/bot{TOKEN}/{file['file_path']}") as response:
        assert response.status == 200
        assert await response.read() == original
    async with api.http.get(f"{server.url}/file/bot{TOKEN}/photos/nope.jpg") as response:
        assert response.status == 404
    assert await api.error("getFile", file_id="nope") == "Bad Request: invalid file_id"


@pytest.mark.asyncio
async def test_files_are_resent_by_file_id_with_their_type(api: Api, ann: FakeUser):
    document = await ann.send_document(
        b"%PDF-1.4", file_name="plan.pdf", mime_type="application/pdf"
    )
    doc_id = document.payload["document"]["file_id"]
    resent = await api.ok("sendDocument", chat_id=ann.id, document=doc_id, caption="back")
    assert resent["document"]["file_unique_id"] == document.payload["document"]["file_unique_id"]
    assert ann.chat.last_bot_message.document == b"%PDF-1.4"
    assert await api.error("sendPhoto", chat_id=ann.id, photo=doc_id) == (
        "Bad Request: type of file mismatch"
    )
    assert "wrong file identifier" in await api.error("sendPhoto", chat_id=ann.id, photo="xyz")


@pytest.mark.asyncio
async def test_multipart_uploads_by_name_and_by_attach(api: Api, server, ann: FakeUser):
    body = await api.form(
        "sendDocument",
        {"chat_id": str(ann.id), "document": "attach://f1", "caption": "report"},
        {"f1": ("report.csv", b"a,b\n1,2\n")},
    )
    assert body["result"]["document"]["file_name"] == "report.csv"
    assert body["result"]["document"]["mime_type"] == "text/csv"
    body = await api.form(
        "sendPhoto", {"chat_id": str(ann.id)}, {"photo": ("p.jpg", image_bytes(fmt="JPEG"))}
    )
    assert body["ok"], body
    assert ann.chat.last_bot_message.photo is not None
    body = await api.form(
        "sendPhoto", {"chat_id": str(ann.id)}, {"photo": ("p.jpg", b"not an image")}
    )
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    body = await api.form(
        "sendDocument",
        {"chat_id": str(ann.id), "document": "attach://f1"},
        {"f1": ("a.txt", b"a"), "stray": ("b.txt", b"b")},
    )
    assert body["description"].startswith('Bad Request: unknown parameter "stray"')
    body = await api.form("sendDocument", {"chat_id": str(ann.id), "document": "attach://nope"})
    assert "no such file was uploaded" in body["description"]


@pytest.mark.asyncio
async def test_media_groups_share_an_id_and_keep_their_order(api: Api, ann: FakeUser):
    media = [
        {"type": "photo", "media": "attach://p1", "caption": "first"},
        {"type": "photo", "media": "attach://p2"},
    ]
    body = await api.form(
        "sendMediaGroup",
        {"chat_id": str(ann.id), "media": json.dumps(media)},
        {"p1": ("1.png", image_bytes(10, 10)), "p2": ("2.png", image_bytes(20, 20))},
    )
    first, second = body["result"]
    assert first["media_group_id"] == second["media_group_id"]
    assert (first["caption"], second["photo"][-1]["width"]) == ("first", 20)
    one = [{"type": "photo", "media": first["photo"][-1]["file_id"]}]
    assert "2-10 items" in await api.error("sendMediaGroup", chat_id=ann.id, media=one)
    mixed = [*one, {"type": "document", "media": "x"}]
    assert "Array of InputMediaAudio" in await api.error(
        "sendMediaGroup", chat_id=ann.id, media=mixed
    )


# ---------------------------------------------------------------------- commands, settings, misc


@pytest.mark.asyncio
async def test_commands_are_stored_per_scope_and_language(api: Api, server, ann: FakeUser):
    base = [{"command": "start", "description": "Start"}]
    extra = [*base, {"command": "clients", "description": "Your clients"}]
    await api.ok("setMyCommands", commands=base, scope={"type": "all_private_chats"})
    await api.ok("setMyCommands", commands=extra, scope={"type": "chat", "chat_id": ann.id})
    await api.ok(
        "setMyCommands",
        commands=[{"command": "start", "description": "Start (de)"}],
        scope={"type": "all_private_chats"},
        language_code="de",
    )
    await api.ok("setMyCommands", commands=[{"command": "help", "description": "Help"}])
    assert server.commands_for(ann.id) == extra
    assert server.commands_for({"type": "all_private_chats"}) == base
    assert server.commands_for(777) == base
    assert server.commands_for(777, "de")[0]["description"] == "Start (de)"
    assert server.commands_for(-5) == [{"command": "help", "description": "Help"}]  # a group
    chat_scope = {"type": "chat", "chat_id": ann.id}
    assert await api.ok("getMyCommands", scope=chat_scope) == extra
    await api.ok("deleteMyCommands", scope=chat_scope)
    assert server.commands_for(ann.id) == base
    bad = [{"command": "Start", "description": "x"}]
    assert await api.error("setMyCommands", commands=bad) == "Bad Request: BOT_COMMAND_INVALID"
    unknown_chat = {"type": "chat", "chat_id": 31337}
    assert await api.error("setMyCommands", commands=base, scope=unknown_chat) == (
        "Bad Request: chat not found"
    )


@pytest.mark.asyncio
async def test_chat_actions_menu_button_and_descriptions(api: Api, server, ann: FakeUser):
    await api.ok("sendChatAction", chat_id=ann.id, action="typing")
    assert ann.chat.actions == ["typing"]
    description = await api.error("sendChatAction", chat_id=ann.id, action="dancing")
    assert description == "Bad Request: wrong parameter action in request"
    await api.ok("setChatMenuButton", chat_id=ann.id, menu_button={"type": "commands"})
    assert await api.ok("getChatMenuButton", chat_id=ann.id) == {"type": "commands"}
    assert server.menu_button() == {"type": "default"}
    await api.ok("setMyDescription", description="Your coach", language_code="en")
    assert (await api.ok("getMyDescription", language_code="en"))["description"] == "Your coach"


@pytest.mark.asyncio
async def test_copy_and_forward(api: Api, ann: FakeUser):
    original = ann.chat.messages[0]
    copied = await api.ok(
        "copyMessage", chat_id=ann.id, from_chat_id=ann.id, message_id=original.message_id
    )
    assert ann.chat.get(copied["message_id"]).text == "/start"
    forwarded = await api.ok(
        "forwardMessage", chat_id=ann.id, from_chat_id=ann.id, message_id=original.message_id
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == ann.id
    protected = await api.ok("sendMessage", chat_id=ann.id, text="secret", protect_content=True)
    assert ann.chat.last_bot_message.protect_content
    description = await api.error(
        "forwardMessage", chat_id=ann.id, from_chat_id=ann.id, message_id=protected["message_id"]
    )
    assert "protected content" in description


@pytest.mark.asyncio
async def test_reset_forgets_everything_but_keeps_update_ids_growing(api: Api, server, ann):
    last_id = server.pending_updates[-1]["update_id"]
    await api.ok("sendMessage", chat_id=ann.id, text="hi")
    await api.ok("setMyCommands", commands=[{"command": "a", "description": "b"}])
    await api.call("nope")
    server.enforce_rate_limits = True
    server.reset()
    assert (server.requests, server.rejected_calls, server.pending_updates) == ([], [], [])
    assert server.commands_for({"type": "default"}) == []
    assert not server.enforce_rate_limits and len(server.files) == 0
    assert (
        await api.error("sendMessage", chat_id=ann.id, text="hi") == "Bad Request: chat not found"
    )
    fresh = server.user(42, "Ann")
    await fresh.send_text("again")
    assert server.pending_updates[-1]["update_id"] > last_id


# ---------------------------------------------------------------------- webhooks


@pytest.mark.asyncio
async def test_webhook_delivers_updates_with_the_secret(api: Api, server, receiver, ann):
    await api.ok("setWebhook", url=receiver.url, secret_token="s3cret_-")
    updates = await receiver.wait_for(1)  # the pending /start goes out first
    await ann.send_text("hello")
    updates = await receiver.wait_for(2)
    assert [u["message"]["text"] for u in updates] == ["/start", "hello"]
    assert receiver.secrets == ["s3cret_-", "s3cret_-"]
    assert [d.status for d in server.webhook_deliveries] == [200, 200]
    info = await api.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == (receiver.url, 0)
    body = await api.call("getUpdates")
    assert body["error_code"] == 409 and body["description"].startswith(
        "Conflict: can't use getUpdates method while webhook is active"
    )
    assert (await api.call("deleteWebhook"))["description"] == "Webhook was deleted"
    assert (await api.ok("getWebhookInfo"))["url"] == ""


@pytest.mark.asyncio
async def test_failed_deliveries_are_retried_in_order_per_chat(api: Api, server, receiver):
    ann = server.user(42, "Ann")
    receiver.statuses.extend([500, 502])
    await api.ok("setWebhook", url=receiver.url)
    for text in ("1", "2", "3"):
        await ann.send_text(text)
    updates = await receiver.wait_for(3)
    assert [u["message"]["text"] for u in updates] == ["1", "2", "3"]
    first, second, third = server.webhook_deliveries[:3]
    assert [(d.status, d.attempt) for d in (first, second, third)] == [(500, 1), (502, 2), (200, 3)]
    assert second.at - first.at >= 0.01  # the configured backoff
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
    assert info["pending_update_count"] == 0


@pytest.mark.asyncio
async def test_delivery_gives_up_after_bounded_retries(api: Api, server):
    ann = server.user(42, "Ann")
    await api.ok("setWebhook", url="http://127.0.0.1:9/unreachable")
    await ann.send_text("lost")
    await server.wait_for(lambda: not server.pending_updates, timeout=2)
    assert len(server.webhook_deliveries) == 4
    assert all(d.status is None and d.error for d in server.webhook_deliveries)


@pytest.mark.asyncio
async def test_a_webhook_reply_can_carry_a_method_call(api: Api, server, receiver, ann):
    receiver.replies.append({"method": "sendMessage", "chat_id": ann.id, "text": "pong"})
    await api.ok("setWebhook", url=receiver.url, drop_pending_updates=True)
    await ann.send_text("ping")
    assert (await ann.next_bot_message(timeout=2)).text == "pong"
    assert [u["message"]["text"] for u in receiver.updates] == ["ping"]


@pytest.mark.asyncio
async def test_webhook_url_and_secret_are_validated(api: Api):
    assert "HTTPS URL" in await api.error("setWebhook", url="ftp://example.com")
    description = await api.error(
        "setWebhook", url="https://example.com/hook", secret_token="no spaces"
    )
    assert description == "Bad Request: secret token contains unallowed characters"


# ---------------------------------------------------------------------- a real aiogram Bot


@pytest.mark.asyncio
async def test_aiogram_requests_pass_validation(server: FakeTelegramServer, ann: FakeUser):
    bot = make_bot(server)
    try:
        await _exercise_aiogram(bot, server, ann)
    finally:
        await bot.session.close()
    server.assert_no_rejections()


async def _exercise_aiogram(bot: Bot, server: FakeTelegramServer, ann: FakeUser) -> None:
    assert (await bot.get_me()).username == "coachbot_test_bot"
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Open", callback_data="open:1")],
            [InlineKeyboardButton(text="Site", url="https://example.com")],
        ]
    )
    text = await bot.send_message(
        ann.id, "<b>Plan</b> for today", parse_mode="HTML", reply_markup=keyboard
    )
    assert ann.chat.last_bot_message.buttons == [["Open"], ["Site"]]
    photo = await bot.send_photo(
        ann.id, BufferedInputFile(image_bytes(), "plan.png"), caption="Plan", reply_markup=keyboard
    )
    document = await bot.send_document(
        ann.id, BufferedInputFile(b"a,b\n", "plan.csv"), protect_content=True
    )
    album = await bot.send_media_group(
        ann.id,
        [
            InputMediaPhoto(media=BufferedInputFile(image_bytes(50, 50), "a.png"), caption="a"),
            InputMediaPhoto(media=photo.photo[-1].file_id),
        ],
    )
    docs = await bot.send_media_group(
        ann.id,
        [
            InputMediaDocument(media=BufferedInputFile(b"1", "1.txt")),
            InputMediaDocument(media=document.document.file_id),
        ],
    )
    voice = await bot.send_voice(ann.id, BufferedInputFile(b"OggS fake", "v.ogg"), duration=2)
    await bot.edit_message_text(
        "Plan v2", chat_id=ann.id, message_id=text.message_id, reply_markup=keyboard
    )
    await bot.edit_message_caption(
        chat_id=ann.id, message_id=photo.message_id, caption="<i>v2</i>", parse_mode="HTML"
    )
    await bot.send_chat_action(ann.id, "upload_photo")
    copied = await bot.copy_message(ann.id, ann.id, text.message_id)
    await bot.forward_message(ann.id, ann.id, ann.chat.messages[0].message_id)
    await bot.delete_message(ann.id, copied.message_id)
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")],
        scope=BotCommandScopeChat(chat_id=ann.id),
        language_code="en",
    )
    await bot.set_chat_menu_button(chat_id=ann.id, menu_button=MenuButtonCommands())
    file = await bot.get_file(photo.photo[-1].file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == image_bytes()
    assert server.commands_for(ann.id) == [{"command": "start", "description": "Start"}]
    assert ann.chat.get(text.message_id).text == "Plan v2"
    assert ann.chat.get(photo.message_id).html == "<i>v2</i>"
    assert (len(album), len(docs), voice.voice.duration) == (2, 2, 2)
    assert ann.chat.get(document.message_id).protect_content


@pytest.mark.asyncio
async def test_aiogram_sees_telegram_errors_as_its_exceptions(
    server: FakeTelegramServer, ann: FakeUser
):
    bot = make_bot(server)
    try:
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(31337, "hi")
        server.enforce_rate_limits = True
        await bot.send_message(ann.id, "one")
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(ann.id, "two")
        assert flood.value.retry_after == 1
        await ann.block_bot()
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(ann.id, "three")
        with pytest.raises(TelegramUnauthorizedError):
            await make_bot(server, "123456:wrong").get_me()
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_an_aiogram_dispatcher_converses_by_polling(server: FakeTelegramServer):
    bot, dispatcher = make_bot(server), Dispatcher()

    @dispatcher.message(F.text == "/start")
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Ping", callback_data="ping")]]
        )
        await message.answer("Hello!", reply_markup=markup)

    @dispatcher.callback_query(F.data == "ping")
    async def ping(query: CallbackQuery) -> None:
        await query.answer("pong")
        await query.message.edit_text("Pinged")

    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        ann = server.user(42, "Ann")
        await ann.send_text("/start")
        assert (await ann.next_bot_message()).buttons == [["Ping"]]
        answer = await ann.callback_answer(await ann.press("Ping"))
        assert answer.text == "pong"
        await ann.wait_for(lambda chat: chat.last_bot_message.text == "Pinged")
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    server.assert_no_rejections()


@pytest.mark.asyncio
async def test_an_aiogram_webhook_can_reply_in_the_response(server: FakeTelegramServer):
    bot, dispatcher = make_bot(server), Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> Any:
        return message.answer(f"echo: {message.text}")  # sent as the webhook response

    app = web.Application()
    SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token="top-secret"
    ).register(app, path="/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        await bot.set_webhook(url, secret_token="top-secret")
        ann = server.user(42, "Ann")
        await ann.send_text("hi")
        assert (await ann.next_bot_message()).text == "echo: hi"
        assert [d.status for d in server.webhook_deliveries] == [200]
    finally:
        await runner.cleanup()
        await bot.session.close()
    server.assert_no_rejections()


# ---------------------------------------------------------------------- spec and formatting


def test_the_bundled_spec_subset_is_current():
    bundled = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert bundled["_source"].startswith("subset of github.com/PaulSonOfLars")
    assert list(bundled["methods"]) == list(BOT_METHODS)
    assert "InlineKeyboardButton" in bundled["types"]
    if not FULL_SPEC.exists():
        pytest.skip("the full API description is not available here")
    assert build_spec_subset(FULL_SPEC, out_path=None) == bundled


def test_every_spec_method_has_an_implementation():
    FakeTelegramServer(TOKEN)  # raises if a method of the subset lacks a handler
    assert load_spec().method("SENDMESSAGE").name == "sendMessage"


@pytest.mark.parametrize(
    ("text", "mode", "visible"),
    [
        (
            "<b>a</b> <a href='https://x.y'>b</a> &amp; <tg-spoiler>c</tg-spoiler>",
            "HTML",
            "a b & c",
        ),
        (
            "*a* _b_ __c__ ~d~ ||e|| `f` [g](https://x.y/\\)) 1\\.5",
            "MarkdownV2",
            "a b c d e f g 1.5",
        ),
        ("*a* _b_ `c` [d](https://x.y)", "Markdown", "a b c d"),
        ("no markup 1.5!", None, "no markup 1.5!"),
    ],
)
def test_parse_modes_compute_the_visible_text(text, mode, visible):
    assert parse_text(text, mode).text == visible


def test_entity_offsets_are_utf16():
    parsed = parse_text("😀 <b>x</b>", "HTML")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 1}]


@pytest.mark.parametrize(
    ("text", "mode"),
    [("<b>x</i>", "HTML"), ("<span>x</span>", "HTML"), ("a-b", "MarkdownV2"), ("_x", "Markdown")],
)
def test_malformed_formatting_is_refused(text, mode):
    with pytest.raises(FormatError):
        parse_text(text, mode)
