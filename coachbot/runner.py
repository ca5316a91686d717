"""Run the bot: polling by default, webhook behind aiohttp when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from coachbot.application import BotApplication, create_application
from coachbot.config import Settings
from coachbot.delivery import create_delivery, stop_on_signals
from coachbot.storage import migrate
from coachbot.web.app import create_web_app, public_webhook_url

logger = logging.getLogger(__name__)


async def run_bot(settings: Settings, *, with_delivery: bool = True) -> None:
    """The bot; with the delivery core (outbox dispatcher and ticks) unless workers do it."""
    await migrate.upgrade(settings.effective_database_url)
    application = create_application(settings)
    stop = asyncio.Event()
    delivery = asyncio.create_task(_deliver(application, stop)) if with_delivery else None
    try:
        if settings.webhook_url:
            await run_webhook(application)
        else:
            await run_polling_with_web(application)
    finally:
        stop.set()
        if delivery is not None:
            await delivery
        await application.close()


async def _deliver(application: BotApplication, stop: asyncio.Event) -> None:
    delivery = create_delivery(application.container, bot=application.bot, i18n=application.i18n)
    await delivery.run(stop)


async def run_polling(application: BotApplication) -> None:
    bot, dispatcher = application.bot, application.dispatcher
    # getUpdates is refused while a webhook is set (a previous webhook deployment).
    await bot.delete_webhook(drop_pending_updates=False)
    me = await bot.me()
    logger.info("Polling as @%s", me.username)
    await dispatcher.start_polling(
        bot,
        allowed_updates=dispatcher.resolve_used_update_types(),
        close_bot_session=False,
    )


def serves_web(settings: Settings) -> bool:
    """Whether web/ has something to serve while polling (Stripe's webhook and pages)."""
    return settings.billing_configured


async def run_polling_with_web(application: BotApplication) -> None:
    """Polling, plus the web server on WEBHOOK_HOST:WEBHOOK_PORT when it has endpoints."""
    runner = await start_web(application) if serves_web(application.settings) else None
    try:
        await run_polling(application)
    finally:
        if runner is not None:
            await runner.cleanup()


async def start_web(application: BotApplication) -> web.AppRunner:
    """The web server without the Telegram webhook (polling mode)."""
    settings = application.settings
    runner = web.AppRunner(create_web_app(application, telegram_webhook=False))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    except BaseException:
        await runner.cleanup()
        raise
    logger.info("Web server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner


async def run_webhook(application: BotApplication) -> None:
    runner = await start_webhook(application)
    try:
        await _until_signalled()
    finally:
        await runner.cleanup()


async def start_webhook(application: BotApplication) -> web.AppRunner:
    """Listen first, then tell Telegram where to deliver: no update arrives unheard."""
    settings = application.settings
    assert settings.webhook_url and settings.webhook_secret
    runner = web.AppRunner(create_web_app(application))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await application.bot.set_webhook(
            public_webhook_url(settings.webhook_url),
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=application.dispatcher.resolve_used_update_types(),
        )
    except BaseException:
        await runner.cleanup()
        raise
    logger.info("Webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner


async def _until_signalled() -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    await stop.wait()
