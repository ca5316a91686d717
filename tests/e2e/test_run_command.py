"""`coachbot run` as a real process: migrates, polls, answers, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from coachbot.sandbox.telegram_server import FakeTelegramServer
from tests.e2e.conftest import TOKEN


async def test_run_migrates_polls_and_stops_cleanly(telegram: FakeTelegramServer, tmp_path):
    telegram.reset()
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "DATA_DIR": str(tmp_path / "data"),
        "ADMIN_IDS": "1000",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        environment.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "coachbot",
        "run",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        sam = telegram.user(801, "Sam")
        await sam.send_text("/start")
        reply = await sam.next_bot_message(timeout=30)
        assert reply.text.startswith("Hi Sam! I am Coachbot")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, output.decode()
    assert (tmp_path / "data" / "coachbot.sqlite3").is_file()
    telegram.assert_no_rejections()
