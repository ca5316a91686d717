"""The local sandbox: the real bot polling the local Bot API, the web chat, the seeds.

One sandbox with the demo runs for the module (the demo replays six weeks of four
clients' history through the use cases); `make run` without a token is checked as a
real process.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select

from coachbot.config import Settings
from coachbot.domain.billing.admin import RevenueUseCase
from coachbot.domain.billing.packages import ListPackagesUseCase
from coachbot.domain.checkins.model import CheckinStatus
from coachbot.domain.people.model import ClientStatus
from coachbot.sandbox.telegram_server import FakeUser
from coachbot.sandbox_app.demo_people import CLIENTS, HISTORY_WEEKS
from coachbot.sandbox_app.runner import (
    BOT_USERNAME,
    Sandbox,
    SandboxError,
    fresh_data_dir,
    running_sandbox,
)
from coachbot.sandbox_app.seed import COACH, INVITED
from coachbot.storage.keys import create_blob_store
from coachbot.storage.tables import CheckinRow, PhotoRow
from coachbot.storage.uow import SqlUnitOfWork

DANA, ELI, FARAH, GRETA = (demo.person for demo in CLIENTS)
POST = {"X-Sandbox": "1"}
ADDRESS = re.compile(r"open (http://127\.0\.0\.1:\d+) in your browser")


@pytest.fixture(scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("sandbox-data"))
    async with running_sandbox(settings, demo=True, port=0) as running:
        yield running
    running.telegram.assert_no_rejections()


def person(sandbox: Sandbox, who) -> FakeUser:
    return sandbox.telegram.user(who.telegram_id, who.first_name)


async def run_action(sandbox: Sandbox, key: str, who) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{sandbox.url}/sandbox/api/actions/{key}",
            json={"user_id": who.telegram_id},
            headers=POST,
        ) as response,
    ):
        assert response.status == 200
        return (await response.json())["text"]


async def test_the_demo_practice_has_weeks_of_checkins_metrics_photos_and_a_review_queue(
    sandbox: Sandbox,
):
    uow = SqlUnitOfWork(sandbox.application.session_factory)
    async with uow:
        anna = await uow.users.get_by_telegram_id(COACH.telegram_id)
        coach = await uow.coaches.get_by_user(anna.id)
        clients = await uow.clients.list_for_coach(coach.id)
        by_name = {client.display_name: client for client in clients}
        statuses = {name: client.status for name, client in by_name.items()}
        assert statuses == {
            **{p.full_name: ClientStatus.invited for p in INVITED},
            **{p.full_name: ClientStatus.active for p in (DANA, ELI, FARAH, GRETA)},
        }
        for demo in CLIENTS:
            client = by_name[demo.person.full_name]
            # The initial assessment's measurement, then one per answered check-in.
            measured = 1 + HISTORY_WEEKS - len(demo.missed_weeks)
            weights = [e.value for e in await uow.metrics.list_for_client(client.id, "weight")]
            assert len(weights) == measured and weights[0] > weights[-1]
            for metric in ("waist", "body_fat"):
                assert len(await uow.metrics.list_for_client(client.id, metric)) == measured
            goals = await uow.goals.list_for_client(client.id)
            assert len(goals) == 1
            assert await uow.checkins.open_for_client(client.id) is not None  # this week's
        waiting = await uow.checkins.count_review_queue(coach.id)
        greta = await uow.users.get_by_telegram_id(GRETA.telegram_id)
    assert waiting == 7  # the last two weeks of four clients, less Greta's missed one
    assert greta.language == "de"

    async with sandbox.application.session_factory() as session:
        dana_photos = (
            await session.scalars(
                select(PhotoRow).where(PhotoRow.checkin_id.is_not(None)).order_by(PhotoRow.id)
            )
        ).all()
        reviewed = await session.scalar(
            select(func.count()).where(CheckinRow.status == CheckinStatus.reviewed.value)
        )
    assert len(dana_photos) == 2 * HISTORY_WEEKS * 3  # Dana and Farah: front, side, back
    assert reviewed == 4 * (HISTORY_WEEKS - 2) - 2  # Eli and Greta missed one each
    store = create_blob_store(sandbox.application.settings)
    encrypted = (sandbox.application.settings.data_dir / "photos").rglob("*")
    assert not any(p.is_file() and p.read_bytes()[:2] == b"\xff\xd8" for p in encrypted)
    stored = await store.get(dana_photos[0].blob_key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()

    commands = sandbox.telegram.commands_for
    assert "checkin" in [c["command"] for c in commands(DANA.telegram_id)]
    assert {"review", "invite_coach"} <= {c["command"] for c in commands(COACH.telegram_id)}
    ready = await person(sandbox, DANA).next_bot_message()
    assert ready.text == "Hi Dana, your check-in is ready. It takes about five minutes."
    german = await person(sandbox, GRETA).next_bot_message()
    assert german.text.startswith("Hallo Greta")


async def test_a_demo_client_answers_this_weeks_checkin_and_the_next_is_brought_forward(
    sandbox: Sandbox,
):
    farah = person(sandbox, FARAH)
    await farah.next_bot_message()  # this week's is ready
    await farah.press("▶️ Start check-in")
    for text in ("62.1", "70.5", "24"):
        assert "?" in (await farah.next_bot_message()).text
        await farah.send_text(text)
    await farah.next_bot_message()  # energy
    await farah.press("8")
    await farah.next_bot_message()
    await farah.send_text("7.5")
    await farah.next_bot_message()
    await farah.press("Fully (90–100 %)")
    await farah.next_bot_message()
    await farah.press("Yes")
    await farah.next_bot_message()
    await farah.send_text("Ran 5 km")
    await farah.next_bot_message()
    await farah.press("Skip")
    await farah.next_bot_message()  # photos
    # Through the web chat, as the page uploads: a 30 MB file reaches the bot, which
    # refuses it politely; a phone-sized photo (over aiohttp's default 1 MiB) is taken.
    huge = await upload(sandbox, FARAH, noise_jpeg(64) + bytes(30 * 1024 * 1024))
    assert huge == 200
    refused = await farah.next_bot_message()
    assert refused.text == "That file is too large: photos up to 20 MB, please."
    assert "photos" in (await farah.next_bot_message()).text  # the question again
    photo = noise_jpeg(1400)
    assert len(photo) > 2 * 1024 * 1024
    assert await upload(sandbox, FARAH, photo) == 200
    got = await farah.next_bot_message()
    assert got.text.startswith("Got it: 1 of up to ")
    await farah.press("✅ Done")
    thanks = await farah.next_bot_message()
    assert "Thank" in thanks.text or "thank" in thanks.text

    said = await run_action(sandbox, "checkin-now", FARAH)
    assert said.startswith("Farah Haddad's next check-in is open now.")
    ready = await farah.next_bot_message()
    assert ready.text == "Hi Farah, your check-in is ready. It takes about five minutes."
    again = await run_action(sandbox, "checkin-now", FARAH)
    assert again == "Farah Haddad already has an open check-in: answer it with /checkin."
    coach = await run_action(sandbox, "checkin-now", COACH)
    assert coach.startswith("Only an active client has check-ins")
    invited = await run_action(sandbox, "checkin-now", INVITED[0])
    assert invited.startswith("Only an active client has check-ins")


async def test_an_invited_client_opens_the_waiting_link_and_the_coach_is_told(sandbox: Sandbox):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.url}/sandbox/api/state") as response:
            state = await response.json()
        async with http.post(f"{sandbox.url}/telegram/webhook", json={}) as webhook:
            assert webhook.status == 404  # the sandbox's bot polls: no webhook to feed
        async with http.get(f"{sandbox.url}/healthz") as health:
            assert await health.json() == {"status": "ok"}  # the bot's own web app
    people = {p["id"]: p for p in state["people"]}
    assert people[COACH.telegram_id]["label"] == "coach · admin"
    assert state["bot"]["username"] == BOT_USERNAME
    cleo = INVITED[1]
    link = sandbox.chat.chat_state(person(sandbox, cleo))["link"]
    assert link
    client = person(sandbox, cleo)
    await client.send_text(f"/start {link}")
    welcome = await client.next_bot_message()
    assert welcome.text.startswith("Welcome, Cleo! Anna Coach invited you")
    # The account list stops calling her invited (and says "client" once onboarded).
    assert await label_of(sandbox, cleo, "client · onboarding")
    anna = person(sandbox, COACH)
    told = await anna.wait_for(
        lambda chat: any("Cleo Park opened your invitation" in m.text for m in chat.bot_messages)
    )
    assert told


async def label_of(sandbox: Sandbox, who, wanted: str) -> bool:
    """The web chat's account list labels `who` as `wanted` within a few seconds."""
    async with asyncio.timeout(5):
        while True:
            labels = {p["id"]: p["label"] for p in sandbox.chat.people()}
            if labels[who.telegram_id] == wanted:
                return True
            await asyncio.sleep(0.05)


def noise_jpeg(side: int) -> bytes:
    """Random noise: a JPEG that hardly compresses, as large as a phone photo."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        out, format="JPEG", quality=95
    )
    return out.getvalue()


async def upload(sandbox: Sandbox, who, data: bytes) -> int:
    form = aiohttp.FormData()
    form.add_field("file0", data, filename="photo.jpg", content_type="image/jpeg")
    url = f"{sandbox.url}/sandbox/api/people/{who.telegram_id}/messages"
    async with aiohttp.ClientSession() as http, http.post(url, data=form, headers=POST) as response:
        return response.status


def test_the_sandbox_empties_only_its_own_folder(tmp_path):
    mine = tmp_path / "sandbox"
    fresh_data_dir(mine)
    (mine / "coachbot.sqlite3").write_text("old")
    fresh_data_dir(mine)
    assert sorted(p.name for p in mine.iterdir()) == [".coachbot-sandbox"]
    assert mine.stat().st_mode & 0o777 == 0o700  # its database and photos: the owner's only
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(SandboxError, match="was not made by the sandbox"):
        fresh_data_dir(foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"


async def test_make_run_without_a_token_starts_the_sandbox_and_shows_its_address(tmp_path):
    environment = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "SANDBOX_PORT": "0"}
    names = ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "LOG_LEVEL")
    for name in names:
        environment.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "coachbot",
        "run",
        "--sandbox-if-no-token",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    seen = []
    try:
        async with asyncio.timeout(60):
            while not (address := ADDRESS.search("".join(seen))):
                line = await process.stdout.readline()
                assert line, "the sandbox stopped:\n" + "".join(seen)
                seen.append(line.decode())
        url = address.group(1)
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/") as page:
                assert page.status == 200 and "Coachbot sandbox" in await page.text()
            async with http.get(url + "/sandbox/api/state") as response:
                people = [p["name"] for p in (await response.json())["people"]]
        assert people == ["Anna Coach", "Ben Miller", "Cleo Park"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, "".join(seen) + output.decode()
    assert "BOT_TOKEN is not set: starting the local sandbox instead." in "".join(seen)
    # Quiet unless LOG_LEVEL says otherwise: the address is the last thing said, once.
    said = "".join(seen) + output.decode()
    assert " INFO " not in said and "encryption key" not in said, said
    assert said.count("in your browser") == 1 and said.rstrip().endswith("Ctrl+C stops it."), said
    assert (tmp_path / "data" / "sandbox" / "coachbot.sqlite3").is_file()


async def test_the_demo_sells_a_plan_dana_pays_for_and_cancels_in_the_local_stripe_portal(
    sandbox: Sandbox,
):
    settings, stripe = sandbox.application.settings, sandbox.stripe
    assert settings.stripe_api_base == stripe.url and settings.public_url == sandbox.url
    assert stripe.webhook_url == f"{sandbox.url}/stripe/webhook"
    assert stripe.url.startswith("http://127.0.0.1:") and stripe.api_key.startswith("sk_test_")
    assert stripe.deliveries == []  # the demo's past payments were not announced again
    async with SqlUnitOfWork(sandbox.application.session_factory) as uow:
        anna = await uow.users.get_by_telegram_id(COACH.telegram_id)
        coach = await uow.coaches.get_by_user(anna.id)
    packages = await ListPackagesUseCase(SqlUnitOfWork(sandbox.application.session_factory))(
        coach.id
    )
    assert [p.name for p in packages] == ["Monthly coaching", "Kick-off session"]
    revenue = await RevenueUseCase(SqlUnitOfWork(sandbox.application.session_factory))(coach.id)
    assert revenue.total == {"eur": 2 * 4900}
    assert [(c.name, c.payments) for c in revenue.clients] == [(DANA.full_name, 2)]

    dana = person(sandbox, DANA)
    await dana.bot_messages_until_idle()
    await dana.send_text("/billing")
    plan = await dana.next_bot_message()
    assert plan.text.startswith(
        "Your plan with Anna Coach\nMonthly coaching · €49.00 per month\nStatus: active\n"
        "Next payment: "
    )
    assert plan.text.count("€49.00 · Monthly coaching · paid (invoice, PDF)") == 2

    # The next payment fails; Dana pays the invoice with another card.
    said = await run_action(sandbox, "payment-fails", DANA)
    assert said.startswith("Dana Weiss's card was declined for the next period of Monthly")
    failed = await dana.next_bot_message()
    assert failed.text.startswith("⚠️ Your payment of €49.00 for Monthly coaching did not go")
    invoice = failed.button("💳 Fix payment").url
    assert invoice.startswith(f"{stripe.url}/i/in_")
    card = {"cardnumber": "4242424242424242", "expiry": "12/40", "cvc": "123"}
    async with aiohttp.ClientSession() as http, http.post(invoice, data=card) as page:
        assert "Paid " in await page.text()
    paid = await dana.next_bot_message()
    assert paid.text.startswith("✅ Payment received: €49.00 for Monthly coaching.")

    # Cancelled in the portal, the plan ends with its period.
    await dana.send_text("/billing")
    await dana.next_bot_message()
    await dana.press("💳 Change card or cancel")
    portal = (await dana.next_bot_message()).button("💳 Open billing portal").url
    assert portal.startswith(f"{stripe.url}/p/session/")
    subscription = stripe.of_type("subscription")[0]["id"]
    async with aiohttp.ClientSession() as http:
        async with http.get(portal) as page:
            assert "Visa •••• 4242" in await page.text()
        async with http.post(f"{portal}/subscriptions/{subscription}/cancel") as page:
            assert page.status == 200
    await stripe.background_deliveries()  # signed, to the sandbox's own webhook
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.url}/billing/done?lang=en") as page:
            shown = await page.text()
        async with http.get(f"{stripe.url}/static/pages.css") as css:
            shared = await css.text()
        async with http.get(f"{sandbox.url}/static/pages.css") as css:
            assert await css.text() == shared  # one look for Stripe's pages and the bot's
    # The portal's return page leads back to Dana's own chat in the web chat.
    assert f"href='{sandbox.url}/?user={DANA.telegram_id}'" in shown
    assert "href='/static/pages.css'" in shown
    assert all(d.status == 200 for d in stripe.deliveries)
    await dana.send_text("/billing")
    assert "Ends on " in (await dana.next_bot_message()).text
    said = await run_action(sandbox, "payment-now", DANA)
    assert said.startswith("Dana Weiss's Monthly coaching was cancelled at the end of its period")
    ended = await dana.next_bot_message()
    assert ended.text == "Your plan Monthly coaching has ended. Thank you for training with us!"
    said = await run_action(sandbox, "payment-now", DANA)
    assert said.startswith("Dana Weiss has no running subscription.")
    said = await run_action(sandbox, "payment-fails", COACH)
    assert said.startswith("Only a client with a subscription has payments")
