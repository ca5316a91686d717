"""`coachbot run` as a real process: migrates, polls, answers, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from coachbot.sandbox.telegram_server import FakeTelegramServer
from tests.e2e.conftest import TOKEN


async def start_run(
    telegram: FakeTelegramServer, tmp_path: Path, **settings: str
) -> asyncio.subprocess.Process:
    """`coachbot run` talking to the fake Telegram, its data in `tmp_path`, without the
    database, Redis or webhook this environment may name, and with `settings`."""
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "DATA_DIR": str(tmp_path / "data"),
        **settings,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        environment.pop(name, None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "coachbot",
        "run",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def stop_run(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and it stops cleanly within 15 s."""
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, output.decode()


async def test_run_migrates_polls_and_stops_cleanly(telegram: FakeTelegramServer, tmp_path):
    telegram.reset()
    process = await start_run(telegram, tmp_path, ADMIN_IDS="1000")
    try:
        sam = telegram.user(801, "Sam")
        await sam.send_text("/start")
        reply = await sam.next_bot_message(timeout=30)
        assert reply.text.startswith("Hi Sam! I am Coachbot")
    finally:
        await stop_run(process)
    assert (tmp_path / "data" / "coachbot.sqlite3").is_file()
    telegram.assert_no_rejections()
