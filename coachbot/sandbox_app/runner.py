"""Start the sandbox: the local Bot API server, the real bot polling it (with its outbox
worker and ticks), the local Stripe (API, checkout pages and signed webhooks to the bot's
web app), and the bot's web app serving the web chat and Stripe's webhook.

The sandbox keeps its chats in memory, so its database (under DATA_DIR/sandbox, never the
configured DATABASE_URL) starts over with them at every start. It uses no Redis either:
it touches nothing a real deployment uses.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from cryptography.fernet import Fernet
from pydantic import SecretStr

from coachbot.application import BotApplication, create_application
from coachbot.bot.commands import set_commands_for
from coachbot.config import Settings
from coachbot.domain.people.model import ClientStatus
from coachbot.domain.shared.clock import Clock
from coachbot.sandbox.stripe_server import FakeStripeServer
from coachbot.sandbox.telegram_server import FakeTelegramServer
from coachbot.sandbox.web_chat import UPLOAD_LIMIT, WebChat
from coachbot.sandbox_app.actions import sandbox_actions
from coachbot.sandbox_app.demo import seed_demo
from coachbot.sandbox_app.demo_sales import seed_sales
from coachbot.sandbox_app.seed import COACH, SeededPerson, seed_people, store_shipped_forms
from coachbot.storage.files import private_folder
from coachbot.storage.uow import SqlUnitOfWork
from coachbot.web.app import create_web_app
from coachbot.web.billing import STRIPE_WEBHOOK_PATH, ChatLink

logger = logging.getLogger(__name__)

TOKEN = "7000000001:sandbox-local-token"
BOT_USERNAME = "coachbot_sandbox_bot"
TITLE = "Coachbot sandbox"
MARKER = ".coachbot-sandbox"
# What the account list says about someone invited, as their client record moves on.
CLIENT_LABELS = {
    ClientStatus.invited: "invited client",
    ClientStatus.onboarding: "client · onboarding",
    ClientStatus.active: "client",
    ClientStatus.paused: "client · paused",
    ClientStatus.archived: "former client",
}
LABEL_CHECK_SECONDS = 0.5


class SandboxError(Exception):
    """The sandbox cannot start; the message says why and what to do."""


@dataclass
class Sandbox:
    url: str
    telegram: FakeTelegramServer
    stripe: FakeStripeServer
    application: BotApplication
    chat: WebChat


def sandbox_settings(
    settings: Settings, telegram_url: str, stripe: FakeStripeServer, public_url: str
) -> Settings:
    """The configured settings, pointed at the local Bot API and Stripe (never the real
    ones, whatever is configured) and the sandbox's own data; Stripe sends payers back
    to the sandbox's own pages."""
    return settings.model_copy(
        update={
            "bot_token": SecretStr(TOKEN),
            "telegram_api_url": telegram_url,
            "stripe_api_key": SecretStr(stripe.api_key),
            "stripe_webhook_secret": SecretStr(stripe.webhook_secret),
            "stripe_api_base": stripe.url,
            "public_url": public_url,
            "data_dir": settings.data_dir / "sandbox",
            "database_url": None,
            "redis_url": None,
            "webhook_url": None,
            "webhook_secret": None,
            # Its photos go with its folder at the next start: a key of its own, never
            # written down (nothing to back up, so no warning to back it up).
            "encryption_keys": (Fernet.generate_key().decode("ascii"),),
            "admin_ids": frozenset({COACH.telegram_id}),
            "outbox_poll_seconds": 0.2,  # people wait for notices in the next tab
        }
    )


def fresh_data_dir(path: Path) -> None:
    """Empty the sandbox's folder, but only one that it made itself."""
    if path.exists():
        if not (path / MARKER).exists():
            raise SandboxError(
                f"{path} exists but was not made by the sandbox, which empties its folder "
                "at every start: move it away or set DATA_DIR to another folder."
            )
        shutil.rmtree(path)
    private_folder(path)
    (path / MARKER).write_text(
        "This folder belongs to `coachbot sandbox`, which empties it at every start.\n",
        encoding="utf-8",
    )


@asynccontextmanager
async def running_sandbox(
    settings: Settings,
    *,
    demo: bool = False,
    host: str = "127.0.0.1",
    port: int = 8080,
    clock: Clock | None = None,
) -> AsyncIterator[Sandbox]:
    """Everything running, seeded, and the bot polling; stopped again on exit."""
    # Imported only now: importing Alembic logs its plugins at INFO, which run_sandbox
    # has quieted by now (`coachbot sandbox` imports this module before that).
    from coachbot.delivery import create_delivery
    from coachbot.storage import migrate

    async with AsyncExitStack() as stack:
        telegram = FakeTelegramServer(TOKEN, bot_username=BOT_USERNAME, bot_first_name="Coachbot")
        await telegram.start()
        stack.push_async_callback(telegram.stop)
        # The web chat's address is known before the bot is made: Stripe's pages send
        # payers back to it, and the local Stripe delivers its webhooks there.
        listener = _listen(host, port)
        stack.callback(listener.close)
        url = f"http://{host}:{listener.getsockname()[1]}"
        stripe = FakeStripeServer(
            api_key=f"sk_test_{secrets.token_hex(12)}",
            webhook_secret=f"whsec_{secrets.token_hex(16)}",
            host=host,
            account_name=TITLE,
            # Stripe signs its webhooks on the bot's clock, which checks their age.
            clock=(lambda: clock.now().timestamp()) if clock else time.time,
        )
        await stripe.start()
        stack.push_async_callback(stripe.stop)
        stripe.webhook_url = url + STRIPE_WEBHOOK_PATH
        settings = sandbox_settings(settings, telegram.url, stripe, url)
        fresh_data_dir(settings.data_dir)
        await migrate.upgrade(settings.effective_database_url)
        application = create_application(settings, clock=clock, webhook_mode=False)
        stack.push_async_callback(application.close)

        chat = WebChat(telegram, title=TITLE, actions=sandbox_actions(application, stripe))
        await store_shipped_forms(application)
        seed = await seed_people(application)
        people = list(seed.people)
        if demo:
            clients = await seed_demo(application, seed.coach)
            await seed_sales(application, stripe, seed.coach, clients)
            people += clients
        _add_people(chat, people)
        for seeded in people:  # the menus the bot gave them when they became members
            if seeded.identity is not None:
                await set_commands_for(application.bot, application.i18n, seeded.identity)

        # "Back to Telegram" on Stripe's return pages: back to the payer's web chat.
        web_app = create_web_app(
            application,
            telegram_webhook=False,
            chat_link=_payer_chat(application, stripe, url),
            client_max_size=UPLOAD_LIMIT,
        )
        chat.install(web_app)
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.SockSite(runner, listener).start()

        stop = asyncio.Event()
        delivery = asyncio.create_task(
            create_delivery(application.container, bot=application.bot, i18n=application.i18n).run(
                stop
            )
        )
        polling = await _start_polling(application, telegram)
        labels = asyncio.create_task(_follow_client_labels(application, telegram, chat))
        try:
            yield Sandbox(url, telegram, stripe, application, chat)
        finally:
            labels.cancel()
            stop.set()
            await application.dispatcher.stop_polling()
            await polling
            await delivery


def _listen(host: str, port: int) -> socket.socket:
    """The web chat's listening socket (port 0: any free port)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
    except OSError as error:
        raise SandboxError(f"Cannot listen on {host}:{port} ({error})") from error
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise SandboxError(
            f"Cannot listen on {host}:{port} ({error.strerror}): set SANDBOX_PORT or "
            "use --port to choose another port."
        ) from error
    listener.setblocking(False)
    return listener


def _add_people(chat: WebChat, people: list[SeededPerson]) -> None:
    for seeded in people:
        person = seeded.person
        chat.add_person(
            person.telegram_id,
            person.first_name,
            last_name=person.last_name,
            username=person.username,
            language_code=person.language,
            label=seeded.label,
            started=seeded.started,
        )
        if seeded.link is not None:
            chat.open_link(person.telegram_id, seeded.link)


async def _follow_client_labels(
    application: BotApplication, telegram: FakeTelegramServer, chat: WebChat
) -> None:
    """An invited person's label follows their client record ("client" once onboarded),
    checked after the bot was active: the account list is labelled by the sandbox, which
    learns about onboarding only from the database."""
    while True:
        await telegram.activity.wait(within=60)
        await asyncio.sleep(LABEL_CHECK_SECONDS)  # one look for a burst of calls
        try:
            await _label_clients(application, chat)
        except Exception:  # a label is not worth stopping for; the next activity retries
            logger.exception("Could not update the web chat's labels")


async def _label_clients(application: BotApplication, chat: WebChat) -> None:
    followed = [p for p in chat.people() if p["label"] in ("", *CLIENT_LABELS.values())]
    async with SqlUnitOfWork(application.session_factory) as uow:
        for person in followed:
            user = await uow.users.get_by_telegram_id(person["id"])
            clients = await uow.clients.list_for_user(user.id) if user and user.id else ()
            if clients:
                chat.set_label(person["id"], CLIENT_LABELS[clients[-1].status])


def _payer_chat(application: BotApplication, stripe: FakeStripeServer, url: str) -> ChatLink:
    """The web chat of the client whose Stripe page was used last (the bot gave Stripe
    their client id), or the page's start when that is not known."""

    async def link(_request: web.Request) -> str:
        customer = stripe.store.objects.get(stripe.last_payer or "", {})
        client_id = str(customer.get("metadata", {}).get("client_id", ""))
        if not client_id.isdigit():
            return url + "/"
        async with SqlUnitOfWork(application.session_factory) as uow:
            client = await uow.clients.get(int(client_id))
            user = await uow.users.get(client.user_id) if client and client.user_id else None
        return f"{url}/?user={user.telegram_id}" if user else url + "/"

    return link


async def _start_polling(application: BotApplication, telegram: FakeTelegramServer) -> asyncio.Task:
    """Polling, once it has asked for updates (stop_polling needs it started)."""
    dispatcher = application.dispatcher
    polls = len(telegram.calls("getUpdates"))
    task = asyncio.create_task(
        dispatcher.start_polling(
            application.bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
    )
    # A long poll is logged on arrival but only reported as activity when it ends.
    async with asyncio.timeout(30):
        while len(telegram.calls("getUpdates")) == polls:
            if task.done():
                task.result()  # polling failed to start: raise why
            await asyncio.sleep(0.01)
    return task


def quiet_logging(settings: Settings) -> None:
    """Only warnings and errors, unless LOG_LEVEL was set: a line per update, callback
    answer, Stripe call or migration would bury the page's address, announced last."""
    if "log_level" not in settings.model_fields_set:
        logging.getLogger().setLevel(logging.WARNING)


async def run_sandbox(
    settings: Settings, *, demo: bool, host: str, port: int, announce: Callable[[str], None]
) -> None:
    """Until SIGINT or SIGTERM; `announce` is told the page's address once it is up."""
    quiet_logging(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_sandbox(settings, demo=demo, host=host, port=port) as sandbox:
        announce(sandbox.url)
        await stop.wait()
