"""HTTP entry points. The Telegram webhook answers only after the update was handled,
so an update Telegram got a 200 for is never lost in a crash."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from coachbot.application import BotApplication
from coachbot.web.billing import ChatLink, add_billing_routes

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


def webhook_path(webhook_url: str | None) -> str:
    return urlsplit(webhook_url or "").path or DEFAULT_WEBHOOK_PATH


def public_webhook_url(webhook_url: str) -> str:
    return webhook_url if urlsplit(webhook_url).path else webhook_url + DEFAULT_WEBHOOK_PATH


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_web_app(
    application: BotApplication,
    *,
    telegram_webhook: bool = True,
    chat_link: ChatLink | None = None,
    client_max_size: int = 1024**2,
) -> web.Application:
    """`telegram_webhook=False` when polling: only the other endpoints are served (an
    unauthenticated update endpoint must not exist then). `chat_link`: where the return
    pages send people back to the chat (the bot on t.me when not given).
    `client_max_size`: the largest request body (aiohttp's default 1 MiB fits Telegram's
    and Stripe's webhooks; the sandbox's web chat takes uploads)."""
    settings = application.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application(client_max_size=client_max_size)
    app.router.add_get("/healthz", health)
    add_billing_routes(app, application, chat_link=chat_link)
    if not telegram_webhook:
        return app
    SimpleRequestHandler(
        dispatcher=application.dispatcher,
        bot=application.bot,
        secret_token=secret,
        handle_in_background=False,
    ).register(app, path=webhook_path(settings.webhook_url))
    setup_application(app, application.dispatcher, bot=application.bot)
    return app
