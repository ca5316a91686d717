"""What the parts of the fake Bot API share: the bases of `TelegramWorld`'s method mixins
(sending, editing, settings) and of `FakeTelegramServer`'s (inspection, updates).

Each part reads state the class built from it sets and calls helpers another part
implements. The two bases declare that state and those helpers once, so each part
type-checks on its own; every abstract method has exactly one implementation, named in
its section below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from coachbot.sandbox.telegram_http import ApiRequest
from coachbot.sandbox.telegram_models import (
    ApiCall,
    FakeChat,
    FileStore,
    RateLimiter,
    RejectedCall,
    Signal,
    WebhookDelivery,
)
from coachbot.sandbox.telegram_rules import TextContent
from coachbot.sandbox.telegram_webhook import PendingUpdate, WebhookConfig, WebhookDeliverer

if TYPE_CHECKING:
    from coachbot.sandbox.telegram_methods import TelegramWorld
    from coachbot.sandbox.telegram_users import FakeUser


class WorldCore(ABC):
    """The state and helpers `TelegramWorld`'s method mixins share."""

    # Set by TelegramWorld.__init__.
    bot_user: dict[str, Any]
    enforce_rate_limits: bool
    files: FileStore
    chats: dict[int, FakeChat]
    commands: dict[tuple[Any, ...], list[dict[str, Any]]]
    descriptions: dict[tuple[str, str], str]
    menu_buttons: dict[int | None, dict[str, Any]]
    rate_limiter: RateLimiter
    _now: Callable[[], int]

    # ------------------------------------------------------------------ TelegramWorld

    @abstractmethod
    def _known_chat(self, chat_id: int | str) -> FakeChat: ...

    @abstractmethod
    def _writable_chat(self, chat_id: int | str) -> FakeChat: ...

    @abstractmethod
    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]: ...

    @abstractmethod
    def description(self, language_code: str = "", *, short: bool = False) -> str: ...

    # ------------------------------------------------------------------ SendingMethods

    @abstractmethod
    def _text(self, p: dict[str, Any], *, caption: bool = False) -> TextContent: ...


class ServerCore(ABC):
    """The state and helpers `FakeTelegramServer`'s mixins share."""

    # Set by FakeTelegramServer.__init__ and _init_state().
    bot_user: dict[str, Any]
    world: TelegramWorld
    requests: list[ApiCall]
    rejected_calls: list[RejectedCall]
    webhook_deliveries: list[WebhookDelivery]
    _fake_users: dict[tuple[int, int], FakeUser]
    _pending: list[PendingUpdate]
    _allowed_updates: frozenset[str] | None
    _webhook: WebhookConfig | None
    _deliverer: WebhookDeliverer | None
    _http: aiohttp.ClientSession | None
    _webhook_retry_delays: tuple[float, ...]
    _webhook_timeout: float
    _stopping: bool
    _updates_changed: Signal  # notified when updates are queued or polls must end
    _activity: Signal  # notified after every API call and webhook delivery
    _poll_generation: int
    _resets: int

    # ------------------------------------------------------------------ FakeTelegramServer

    @abstractmethod
    def now(self) -> int: ...

    @abstractmethod
    def publish_update(
        self, body: dict[str, Any], *, update_id: int | None = None
    ) -> dict[str, Any]: ...

    @abstractmethod
    def open_callback_query(self, user: FakeUser) -> str: ...

    @abstractmethod
    async def execute(
        self,
        method_name: str,
        request: ApiRequest,
        *,
        client_gone: Callable[[], bool] = ...,
    ) -> tuple[int, dict[str, Any]]: ...

    # ------------------------------------------------------------------ InspectionMethods

    @property
    @abstractmethod
    def webhook_url(self) -> str: ...
