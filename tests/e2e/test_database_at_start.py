"""Start-up with the database out of reach: one line that names DATABASE_URL (password
masked), where it points and why it failed, exit code 2, and no traceback."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from cryptography.fernet import Fernet

from tests.e2e.conftest import TOKEN
from tests.e2e.test_webhook import free_port


@pytest.mark.parametrize(
    "command", [["run"], ["worker"], ["migrate"], ["import-clients", "clients.csv", "--coach", "1"]]
)
async def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path, command):
    port = free_port()  # nothing listens there
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"postgresql+asyncpg://coach:s3cret-pw@127.0.0.1:{port}/coachbot",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    for name in ("REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "DATABASE_RETRY_SECONDS"):
        environment.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "coachbot",
        *command,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    lines = output.decode().splitlines()
    assert process.returncode == 2, output.decode()
    assert len(lines) == 1, output.decode()
    [line] = lines
    assert "DATABASE_URL=postgresql+asyncpg://coach:***@127.0.0.1" in line
    assert "s3cret-pw" not in line
    assert f"host 127.0.0.1, port {port}" in line
    assert "refused" in line.lower()
