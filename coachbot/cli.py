"""`coachbot run | worker | sandbox | migrate | import-clients`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from coachbot.config import ConfigurationError, Settings, load_settings

NO_TOKEN_MESSAGE = (
    "BOT_TOKEN is not set: talk to @BotFather in Telegram, send /newbot and copy the token.\n"
    "Then run: BOT_TOKEN=123456:ABC... make run   (or put BOT_TOKEN=... in a .env file)"
)
EXIT_CONFIGURATION = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coachbot", description="Coachbot, the coaching bot")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="migrate the database, then run the bot with the delivery worker"
    )
    run_parser.add_argument(
        "--no-delivery",
        action="store_true",
        help="only the bot: outgoing messages are delivered by `coachbot worker` processes",
    )
    run_parser.add_argument(
        "--sandbox-if-no-token",
        action="store_true",
        help="without BOT_TOKEN, start the local sandbox instead (what `make run` does)",
    )
    commands.add_parser("worker", help="deliver outgoing messages and run scheduled ticks")
    sandbox_parser = commands.add_parser(
        "sandbox", help="try the bot in the browser: local Bot API, the bot, and a web chat"
    )
    sandbox_parser.add_argument(
        "--demo", action="store_true", help="a coach with clients and weeks of check-ins"
    )
    sandbox_parser.add_argument("--host", help="where the web chat listens (SANDBOX_HOST)")
    sandbox_parser.add_argument("--port", type=int, help="its port (SANDBOX_PORT)")
    import_parser = commands.add_parser(
        "import-clients", help="add clients from a CSV file (name, email, phone, notes, tags)"
    )
    import_parser.add_argument("file", type=Path)
    import_parser.add_argument(
        "--coach", type=int, required=True, help="the coach's Telegram user id"
    )
    migrate_parser = commands.add_parser("migrate", help="upgrade the database schema")
    migrate_parser.add_argument("revision", nargs="?", default="head")
    migrate_parser.add_argument("--downgrade", action="store_true", help="downgrade instead")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIGURATION
    _configure_logging(settings)
    if args.command == "migrate":
        return _check_database(settings) or _migrate(
            settings, args.revision, downgrade=args.downgrade
        )
    if args.command == "import-clients":
        return _check_database(settings) or _import_clients(settings, args.file, args.coach)
    if args.command == "sandbox":
        return _sandbox(settings, demo=args.demo, host=args.host, port=args.port)
    if settings.token is None and args.command == "run" and args.sandbox_if_no_token:
        print("BOT_TOKEN is not set: starting the local sandbox instead.")
        return _sandbox(settings, demo=False, host=None, port=None)
    if settings.token is None:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return EXIT_CONFIGURATION
    from coachbot.storage.keys import EncryptionKeyError, load_encryption_keys

    try:  # a missing key in production stops start-up here, not at the first photo
        load_encryption_keys(settings)
    except EncryptionKeyError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIGURATION
    no_delivery = getattr(args, "no_delivery", False)

    def start() -> Coroutine[Any, Any, None]:
        """Imported after the database check: alembic logs as it is imported."""
        if args.command == "worker":
            from coachbot import delivery

            return delivery.run_worker(settings)
        from coachbot import runner

        return runner.run_bot(settings, with_delivery=not no_delivery)

    from coachbot.storage.faults import DatabaseUnreachable

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_when_database_reachable(settings, start))
    except DatabaseUnreachable as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIGURATION
    return 0


async def _when_database_reachable(
    settings: Settings, start: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """Start once the database answers, in the same event loop as the check."""
    from coachbot.domain.shared.clock import SystemClock
    from coachbot.storage.faults import wait_for_database

    await wait_for_database(
        settings.effective_database_url,
        retry_seconds=settings.database_retry_seconds,
        clock=SystemClock(),
    )
    await start()


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _sandbox(settings: Settings, *, demo: bool, host: str | None, port: int | None) -> int:
    from coachbot.sandbox_app.runner import SandboxError, run_sandbox

    if settings.log_level == "INFO":  # a line per update and tick would bury the address
        for chatty in ("aiogram.event", "apscheduler", "alembic.runtime.plugins"):
            logging.getLogger(chatty).setLevel(logging.WARNING)

    def announce(url: str) -> None:
        print(
            f"\nCoachbot sandbox: open {url} in your browser.\n"
            "Coach Anna and her invited clients Ben and Cleo are there"
            + (", with four clients and six weeks of check-ins" if demo else "")
            + ". Ctrl+C stops it.\n",
            flush=True,
        )

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                run_sandbox(
                    settings,
                    demo=demo,
                    host=host or settings.sandbox_host,
                    port=settings.sandbox_port if port is None else port,
                    announce=announce,
                )
            )
    except SandboxError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIGURATION
    return 0


def _check_database(settings: Settings) -> int | None:
    """One line and exit code 2 when the database cannot be reached (after trying for
    DATABASE_RETRY_SECONDS), instead of a traceback from the first query."""
    from coachbot.domain.shared.clock import SystemClock
    from coachbot.storage.faults import DatabaseUnreachable, wait_for_database

    try:
        asyncio.run(
            wait_for_database(
                settings.effective_database_url,
                retry_seconds=settings.database_retry_seconds,
                clock=SystemClock(),
            )
        )
    except DatabaseUnreachable as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIGURATION
    return None


def _migrate(settings: Settings, revision: str, *, downgrade: bool) -> int:
    from coachbot.storage import migrate
    from coachbot.storage.faults import masked_url

    action = migrate.downgrade if downgrade else migrate.upgrade
    asyncio.run(action(settings.effective_database_url, revision))
    print(f"Database at {revision}: {masked_url(settings.effective_database_url)}")
    return 0


def _import_clients(settings: Settings, path: Path, coach_telegram_id: int) -> int:
    """Exit 0: all rows imported; 1: some rows refused (see the report); 2: nothing done."""
    from coachbot import imports
    from coachbot.domain.shared.errors import ClientNotFound

    try:
        rows = imports.read_rows(path.read_text(encoding="utf-8-sig"))
        report = asyncio.run(imports.import_clients(settings, rows, coach_telegram_id))
    except (OSError, UnicodeDecodeError, imports.UnusableFile) as error:
        print(f"Cannot import {path}: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except ClientNotFound:
        print(f"No coach with Telegram id {coach_telegram_id}.", file=sys.stderr)
        return EXIT_CONFIGURATION
    print(imports.render_report(report, asyncio.run(imports.bot_username(settings))))
    return 1 if report.refused else 0
