"""Updates leaving the fake Bot API: getUpdates (long polling, offsets, conflicts) and
webhooks (set, deleted, described), as Telegram serves them (part of
`FakeTelegramServer`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from coachbot.sandbox.telegram_core import ServerCore
from coachbot.sandbox.telegram_models import (
    TelegramError,
    WebhookDelivery,
    bad_request,
    wait_until,
)
from coachbot.sandbox.telegram_webhook import PendingUpdate, WebhookConfig, WebhookDeliverer

# Not delivered unless asked for in allowed_updates (Telegram's default).
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(frozen=True)
class Described:
    """A result Telegram accompanies with a description (e.g. "Webhook was set")."""

    result: Any
    description: str


class UpdatesMethods(ServerCore):
    """getUpdates, setWebhook, deleteWebhook and getWebhookInfo."""

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
            raise TelegramError(409, CONFLICT_WEBHOOK)
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
            raise TelegramError(409, CONFLICT_POLL)
        if self._webhook is not None:
            raise TelegramError(409, CONFLICT_WEBHOOK)
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

    async def _set_webhook(self, p: dict[str, Any]) -> Described:
        url = p["url"]
        if not url:
            return await self._delete_webhook(p)
        check_webhook_url(url)
        secret = p.get("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(secret):
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
        return Described(True, "Webhook is already set" if unchanged else "Webhook was set")

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

    async def _delete_webhook(self, p: dict[str, Any]) -> Described:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        if self._webhook is None:
            return Described(True, "Webhook is already deleted")
        if self._deliverer is not None:
            self._deliverer.cancel()
        self._webhook = self._deliverer = None
        return Described(True, "Webhook was deleted")

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


def check_webhook_url(url: str) -> None:
    """Telegram demands HTTPS on ports 443/80/88/8443; the fake accepts local http too."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
