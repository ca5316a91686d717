"""`coachbot import-clients`: good rows become clients with links, bad rows are reported,
and an imported client can join with their link."""

from __future__ import annotations

import asyncio
import os
import re
import sys

from sqlalchemy import select

from coachbot.storage.tables import ClientRow
from tests.e2e.conftest import ADMIN_ID, TOKEN, Harness

CSV = """Name;Email;Phone;Tags;Notes
Cleo Park;cleo@example.org;+49 170 1234567;online, spring;Knee surgery 2024
;nobody@example.org;;;
Dan Brown;not-an-email;;;
Eve Stone;EVE@example.org;;;
Eve Twice;eve@example.org;;;
"""


async def run_import(harness: Harness, tmp_path, content: str, *extra: str):
    path = tmp_path / "clients.csv"
    path.write_text(content, encoding="utf-8-sig")  # as Excel saves it
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": harness.telegram.url,
        "DATABASE_URL": harness.app.settings.effective_database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "coachbot",
        "import-clients",
        str(path),
        *extra,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_good_rows_are_imported_bad_ones_reported(harness: Harness, tmp_path):
    await harness.admin.send_text("/start")  # the admin is a coach once they talked to the bot
    await harness.admin.next_bot_message()
    code, out, err = await run_import(harness, tmp_path, CSV, "--coach", str(ADMIN_ID))
    assert code == 1, err  # some rows were refused
    assert "Imported 2 client(s):" in out
    assert "line 2: Cleo Park  https://t.me/coachbot_test_bot?start=" in out
    assert "line 5: Eve Stone" in out
    assert "line 3: name: empty" in out
    assert "line 4: email: invalid" in out
    assert "line 6: email: already_a_client" in out
    async with harness.app.session_factory() as session:
        clients = (await session.scalars(select(ClientRow).order_by(ClientRow.id))).all()
    assert [(c.display_name, c.status, c.tags) for c in clients] == [
        ("Cleo Park", "invited", ["online", "spring"]),
        ("Eve Stone", "invited", []),
    ]
    token = re.search(r"Cleo Park  https://t\.me/\w+\?start=([\w-]+)", out).group(1)
    cleo = harness.user(4200, "Cleo")
    await cleo.send_text(f"/start {token}")
    assert (await cleo.next_bot_message()).text.startswith("Welcome, Cleo! Anna Admin invited you")


async def test_an_unusable_file_imports_nothing(harness: Harness, tmp_path):
    code, _out, err = await run_import(
        harness, tmp_path, "full name,e-mail\nCleo,cleo@example.org\n", "--coach", str(ADMIN_ID)
    )
    assert code == 2 and "needs a 'name' column" in err, err
    code, _out, err = await run_import(harness, tmp_path, "name\nCleo\n", "--coach", "999")
    assert code == 2 and "No coach with Telegram id 999" in err, err
