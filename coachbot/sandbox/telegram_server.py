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

import asyncio
import logging
import mimetypes
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from coachbot.sandbox.telegram_decoding import SpecError
from coachbot.sandbox.telegram_http import MAX_BODY_BYTES, ApiRequest, read_api_request
from coachbot.sandbox.telegram_inspection import InspectionMethods
from coachbot.sandbox.telegram_methods import Handler, TelegramWorld
from coachbot.sandbox.telegram_models import (
    ApiCall,
    ChatMessage,
    FakeChat,
    RejectedCall,
    Signal,
    TelegramError,
    WebhookDelivery,
)
from coachbot.sandbox.telegram_spec import ApiSpec, MethodSpec, load_spec
from coachbot.sandbox.telegram_updates import Described, UpdatesMethods
from coachbot.sandbox.telegram_users import FakeUser
from coachbot.sandbox.telegram_webhook import PendingUpdate, WebhookConfig, WebhookDeliverer

__all__ = ["ChatMessage", "FakeChat", "FakeTelegramServer", "FakeUser", "TelegramError"]

logger = logging.getLogger(__name__)

FIRST_UPDATE_ID = 100_000_001
SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendvoice", "sendmediagroup"}
)


@dataclass
class InjectedFaults:
    """Refuse every `every`-th call of `methods` with `status` (429 with `retry_after`,
    or a 5xx), before it is carried out: what Telegram does under load or an outage."""

    every: int
    status: int = 429
    retry_after: int = 1
    methods: frozenset[str] = SEND_METHODS
    seen: int = 0

    def check(self, method: str) -> None:
        if method.lower() not in self.methods:
            return
        self.seen += 1
        if self.seen % self.every:
            return
        if self.status == 429:
            raise TelegramError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        raise TelegramError(
            self.status, "Internal Server Error" if self.status == 500 else "Bad Gateway"
        )


class FakeTelegramServer(InspectionMethods, UpdatesMethods):
    """The Bot API of one bot, plus the chats and users around it (what tests ask of it,
    and the updates it serves, in their own modules)."""

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
        self.faults: InjectedFaults | None = None
        # Seconds (real time) each API call takes on the network, half on the way there
        # (before the server counts it) and half on the way back.
        self.round_trip = 0.0

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

    def inject_faults(
        self, every: int, *, status: int = 429, retry_after: int = 1
    ) -> InjectedFaults:
        """Refuse every `every`-th send (429 or a 5xx) until reset() or `faults = None`."""
        if every < 1 or status not in (429, 500, 502):
            raise ValueError("every >= 1; status 429, 500 or 502")
        self.faults = InjectedFaults(every, status=status, retry_after=retry_after)
        return self.faults

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
            if self.round_trip > 0:
                await asyncio.sleep(self.round_trip / 2)
            status, body = await self.execute(
                method, api_request, client_gone=lambda: request.transport is None
            )
            if self.round_trip > 0:
                await asyncio.sleep(self.round_trip / 2)
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
            if self.faults is not None:
                self.faults.check(method.name)
            result = await self._handlers[method.name.lower()](call.params)
        except TelegramError as error:
            self._record_refusal(call, error, delivered=not client_gone())
            return error.status, error.to_response()
        finally:
            self._activity.notify()
        if isinstance(result, Described):
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
