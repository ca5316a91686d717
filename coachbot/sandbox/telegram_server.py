"""A strict local emulator of the Telegram Bot API, for end-to-end tests and the web sandbox.

`FakeTelegramServer` is an aiohttp application on 127.0.0.1 that speaks the Bot API exactly as
aiogram's `AiohttpSession` uses it (JSON, urlencoded and multipart calls, file downloads,
long polling, webhooks). Every call is validated against the official API description
(`telegram_spec`) and Telegram's documented limits, and refused the way Telegram refuses it,
so a bot that passes here does not trip over the real API. Scripted users (`FakeUser`, from
`server.user(...)`) play the human side: they write, tap buttons and read what they see.

    async with FakeTelegramServer() as server:
        bot = Bot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
        user = server.user(42, "Ann")
        await user.send_text("/start")
        reply = await user.next_bot_message()
        server.assert_no_rejections()
"""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from coachbot.sandbox.telegram_http import MAX_BODY_BYTES, ApiRequest, read_api_request
from coachbot.sandbox.telegram_methods import Handler, TelegramWorld
from coachbot.sandbox.telegram_models import (
    ApiCall,
    ChatMessage,
    FakeChat,
    FileStore,
    RejectedCall,
    Signal,
    TelegramError,
    WebhookDelivery,
    bad_request,
    wait_until,
)
from coachbot.sandbox.telegram_spec import ApiSpec, MethodSpec, SpecError, load_spec
from coachbot.sandbox.telegram_users import FakeUser
from coachbot.sandbox.telegram_webhook import PendingUpdate, WebhookConfig, WebhookDeliverer

__all__ = ["ChatMessage", "FakeChat", "FakeTelegramServer", "FakeUser", "TelegramError"]

logger = logging.getLogger(__name__)

FIRST_UPDATE_ID = 100_000_001
# Not delivered unless asked for in allowed_updates (Telegram's default).
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(frozen=True)
class _Described:
    """A result Telegram accompanies with a description (e.g. "Webhook was set")."""

    result: Any
    description: str


class FakeTelegramServer:
    """The Bot API of one bot, plus the chats and users around it."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_username: str = "coachbot_test_bot",
        bot_first_name: str = "Coachbot",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        enforce_rate_limits: bool = False,
        webhook_retry_delays: Sequence[float] = (0.05, 0.1, 0.2),
        webhook_timeout: float = 10.0,
        spec: ApiSpec | None = None,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like '123456:secret'")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.url = ""
        self._host, self._port = host, port
        self._clock = clock
        self._default_rate_limits = enforce_rate_limits
        self._webhook_retry_delays = tuple(webhook_retry_delays)
        self._webhook_timeout = webhook_timeout
        self._spec = spec or load_spec()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False
        self._update_ids = iter(range(FIRST_UPDATE_ID, 2**62))
        self._updates_changed = Signal()
        self._activity = Signal()  # notified after every API call and webhook delivery
        self._poll_generation = 0
        self._resets = 0
        self._init_state()

    def _init_state(self) -> None:
        self.world = TelegramWorld(
            self.bot_user,
            clock=self._clock,
            now=self.now,
            enforce_rate_limits=self._default_rate_limits,
        )
        self._handlers = self._build_handlers()
        self.requests: list[ApiCall] = []
        self.rejected_calls: list[RejectedCall] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._fake_users: dict[tuple[int, int], FakeUser] = {}
        self._pending: list[PendingUpdate] = []
        self._allowed_updates: frozenset[str] | None = None
        self._webhook: WebhookConfig | None = None
        self._deliverer: WebhookDeliverer | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a random local port; `url` is then the API base for aiogram."""
        if self._runner is not None:
            raise RuntimeError("the fake Telegram server is already running")
        self._stopping = False
        self._http = aiohttp.ClientSession()
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{self._host}:{port}"
        logger.info("fake Telegram Bot API listening on %s", self.url)

    async def stop(self) -> None:
        """Answer pending long polls with no updates, stop webhook delivery, close."""
        self._stopping = True
        self._updates_changed.notify()
        if self._deliverer is not None:
            await self._deliverer.close()
            self._deliverer = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def reset(self) -> None:
        """Forget users, chats, updates, records, webhook, commands and files.

        Update ids keep increasing so a bot that stays connected is not confused.
        """
        if self._deliverer is not None:
            self._deliverer.cancel()
        self._init_state()
        self._resets += 1  # pending long polls end with no updates
        self._updates_changed.notify()

    # ------------------------------------------------------------------ test-facing API

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

    # ------------------------------------------------------------------ hooks for FakeUser

    def now(self) -> int:
        """Unix time for message dates."""
        return int(time.time())

    def publish_update(
        self, body: dict[str, Any], *, update_id: int | None = None
    ) -> dict[str, Any]:
        """Queue an update for the bot (getUpdates or webhook) and return it.

        A fresh update_id is assigned unless one is given (re-delivery of a duplicate).
        """
        update = {"update_id": next(self._update_ids) if update_id is None else update_id}
        update.update(body)
        if not self._is_allowed(update):
            logger.debug("update %s filtered out by allowed_updates", update["update_id"])
            return update
        entry = PendingUpdate(update)
        self._pending.append(entry)
        self._updates_changed.notify()
        if self._deliverer is not None:
            self._deliverer.submit(entry)
        return update

    def open_callback_query(self, user: FakeUser) -> str:
        """A fresh callback query id the bot must answer (once)."""
        query_id = str(secrets.randbits(63))
        self.world.open_callback_queries[query_id] = user
        return query_id

    # ------------------------------------------------------------------ HTTP layer

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            if request.match_info["token"] != self.token:
                raise TelegramError(401, "Unauthorized")
            api_request = await read_api_request(request)
        except web.HTTPRequestEntityTooLarge:
            api_request, error = ApiRequest(), TelegramError(413, "Request Entity Too Large")
        except TelegramError as caught:
            api_request, error = ApiRequest(dict(request.query)), caught
        else:
            status, body = await self.execute(
                method, api_request, client_gone=lambda: request.transport is None
            )
            return web.json_response(body, status=status)
        self._record_refusal(self._log_call(method, api_request), error, delivered=True)
        return web.json_response(error.to_response(), status=error.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(TelegramError(401, "Unauthorized").to_response(), status=401)
        stored = self.world.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(TelegramError(404, "Not Found").to_response(), status=404)
        content_type = stored.mime_type or mimetypes.guess_type(stored.file_path)[0]
        return web.Response(
            body=stored.data, content_type=content_type or "application/octet-stream"
        )

    async def execute(
        self,
        method_name: str,
        request: ApiRequest,
        *,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> tuple[int, dict[str, Any]]:
        """Validate and run one Bot API call; returns (HTTP status, response body).

        A refusal nobody receives (`client_gone`, e.g. an abandoned long poll that a newer
        poll terminated) is logged but not counted in `rejected_calls`.
        """
        method = self._spec.method(method_name)
        call = self._log_call(method.name if method else method_name, request)
        try:
            if method is None:
                logger.warning("bot called %s, which the fake's spec subset lacks", method_name)
                raise TelegramError(404, "Not Found")
            call.params = self._validated(method, request)
            result = await self._handlers[method.name.lower()](call.params)
        except TelegramError as error:
            self._record_refusal(call, error, delivered=not client_gone())
            return error.status, error.to_response()
        finally:
            self._activity.notify()
        if isinstance(result, _Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}

    def _validated(self, method: MethodSpec, request: ApiRequest) -> dict[str, Any]:
        try:
            return self._spec.validate(method, request.values, request.files, form=request.form)
        except SpecError as error:
            raise TelegramError(400, error.description) from error

    def _log_call(self, method: str, request: ApiRequest) -> ApiCall:
        call = ApiCall(method, {**request.values, **request.files}, at=self._clock())
        self.requests.append(call)
        return call

    def _record_refusal(self, call: ApiCall, error: TelegramError, *, delivered: bool) -> None:
        logger.info("refused %s: %s", call.method, error.description)
        call.error = error.description
        if delivered:
            self.rejected_calls.append(
                RejectedCall(call.method, call.params, error.description, error.status)
            )

    def _build_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            **self.world.handlers(),
        }
        missing = sorted({m.name for m in self._spec.methods.values()} - set(handlers))
        if missing:
            raise RuntimeError(f"spec methods without a fake implementation: {missing}")
        return {name.lower(): handler for name, handler in handlers.items()}

    # ------------------------------------------------------------------ updates

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _set_allowed_updates(self, params: dict[str, Any]) -> None:
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise TelegramError(409, _CONFLICT_WEBHOOK)
        self._set_allowed_updates(p)
        self._confirm(p.get("offset", 0))
        self._poll_generation += 1
        generation, resets = self._poll_generation, self._resets
        self._updates_changed.notify()  # an older poll still waiting is terminated

        def interrupted() -> bool:
            return self._stopping or resets != self._resets

        def ready() -> bool:
            superseded = generation != self._poll_generation
            return interrupted() or superseded or self._webhook is not None or bool(self._pending)

        await wait_until(self._updates_changed, ready, max(0, p.get("timeout", 0)))
        if interrupted():
            return []
        if generation != self._poll_generation:
            raise TelegramError(409, _CONFLICT_POLL)
        if self._webhook is not None:
            raise TelegramError(409, _CONFLICT_WEBHOOK)
        batch = self._pending[: min(max(p.get("limit", 100), 1), 100)]
        for entry in batch:
            entry.returned = True
        return [entry.update for entry in batch]

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by `offset` (negative: keep only the last -offset).

        Only updates handed out at least once are confirmed, so a re-delivered duplicate with
        an old update_id still reaches the bot.
        """
        if offset > 0:
            self._pending = [e for e in self._pending if not (e.returned and e.update_id < offset)]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def _set_webhook(self, p: dict[str, Any]) -> _Described:
        url = p["url"]
        if not url:
            return await self._delete_webhook(p)
        _check_webhook_url(url)
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("max_connections must be between 1 and 100")
        config = WebhookConfig(url, secret, max_connections, p.get("ip_address"))
        unchanged = self._webhook is not None and self._webhook.same_target(config)
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self._set_allowed_updates(p)
        self._start_webhook(config)
        return _Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    def _start_webhook(self, config: WebhookConfig) -> None:
        if self._http is None:
            raise TelegramError(500, "Internal Server Error: the fake server is not running")
        if self._deliverer is not None:
            self._deliverer.cancel()
        self._webhook = config
        self._deliverer = WebhookDeliverer(
            config,
            self._http,
            retry_delays=self._webhook_retry_delays,
            timeout=self._webhook_timeout,
            record=self._record_delivery,
            done=self._delivery_done,
            execute_reply=self.execute,
        )
        for entry in self._pending:
            self._deliverer.submit(entry)
        self._updates_changed.notify()

    def _record_delivery(self, delivery: WebhookDelivery) -> None:
        self.webhook_deliveries.append(delivery)
        self._activity.notify()
        if not delivery.ok and self._webhook is not None:
            self._webhook.last_error_date = self.now()
            self._webhook.last_error_message = delivery.error

    def _delivery_done(self, entry: PendingUpdate, delivered: bool) -> None:
        if entry in self._pending:
            self._pending.remove(entry)
        self._updates_changed.notify()
        self._activity.notify()

    async def _delete_webhook(self, p: dict[str, Any]) -> _Described:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        if self._webhook is None:
            return _Described(True, "Webhook is already deleted")
        if self._deliverer is not None:
            self._deliverer.cancel()
        self._webhook = self._deliverer = None
        return _Described(True, "Webhook was deleted")

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        hook = self._webhook
        if hook is not None:
            info["max_connections"] = hook.max_connections
            optional = {
                "ip_address": hook.ip_address,
                "last_error_date": hook.last_error_date,
                "last_error_message": hook.last_error_message,
                "allowed_updates": sorted(self._allowed_updates or ()) or None,
            }
            info.update({key: value for key, value in optional.items() if value})
        return info


def _check_webhook_url(url: str) -> None:
    """Telegram demands HTTPS on ports 443/80/88/8443; the fake accepts local http too."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
