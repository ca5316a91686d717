"""The sandbox in a real browser: headless Chromium (Debian's) driven by Playwright.

A coach invites a client in one tab; the client opens the link in a second tab, goes
through onboarding by clicking buttons and typing, and the coach's tab shows the news live.
A demo client answers a check-in with a photo chosen in the file picker, and the coach
reviews it. Screenshots land in test-output/browser/.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image

from coachbot.config import Settings
from coachbot.sandbox_app.demo_people import CLIENTS
from coachbot.sandbox_app.runner import Sandbox, running_sandbox
from coachbot.sandbox_app.seed import COACH
from tests.conftest import service_unavailable

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOT_ROWS = "#messages .row:not(.mine)"
DANA = CLIENTS[0].person


class MiddayClock:
    """Real time, moved to today's 12:00 UTC: the sandbox runs on the wall clock, and the
    clients here live in Europe, so "Check-in due now" would otherwise land in their quiet
    hours whenever CI runs in the evening (the message then waits until morning)."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self._offset = now.replace(hour=12, minute=0, second=0, microsecond=0) - now

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


@pytest.fixture(scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    # A scripted browser answers faster than people: flood control is tested on its own.
    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("browser-sandbox"), flood_limit=10_000
    )
    async with running_sandbox(settings, demo=True, port=0, clock=MiddayClock()) as running:
        yield running
    running.telegram.assert_no_rejections()


@pytest.fixture(scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory):
    """A fresh Chromium profile; in CI a missing browser fails the run."""
    chromium = shutil.which("chromium")
    if chromium is None:
        service_unavailable("Chromium is not installed (make test installs Debian's chromium)")
    try:
        from playwright.async_api import async_playwright, expect
    except ImportError:
        service_unavailable("Playwright is not installed (pip install -e '.[test]')")
    expect.set_options(timeout=15_000)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 860},
        )
        yield context
        await context.close()


@pytest.fixture(autouse=True)
async def close_tabs(browser):
    """Each test closes its tabs: every open chat holds a live event stream, and Chromium
    opens at most six connections to one host, so later requests would wait forever."""
    yield
    for page in browser.pages:
        await page.close()


class Tab:
    """One person's chat in a browser tab, used the way a person uses it."""

    def __init__(self, page) -> None:
        from playwright.async_api import expect

        self.page = page
        self.expect = expect
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @property
    def last_bot_row(self):
        return self.page.locator(BOT_ROWS).last

    async def shows(self, text: str) -> None:
        """The newest bot message contains `text`."""
        await self.expect(self.last_bot_row.locator(".text").last).to_contain_text(text)

    async def say(self, text: str, then: str) -> None:
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")
        await self.shows(then)

    async def press(self, label: str, then: str) -> None:
        await self.last_bot_row.get_by_role("button", name=label, exact=True).click()
        await self.shows(then)

    async def screenshot(self, name: str) -> None:
        await self.page.screenshot(path=str(OUTPUT / name))


async def open_tab(browser, url: str) -> Tab:
    page = await browser.new_page()
    await page.goto(url)
    return Tab(page)


ONBOARDING = (
    ("press", "✅ I agree", "What should your coach call you?"),
    ("say", "Dora", "When were you born?"),
    ("say", "14.04.1990", "Your sex"),
    ("press", "Female", "Which units do you use?"),
    ("press", "Kilograms and centimetres", "How tall are you?"),
    ("say", "170", "Which time zone are you in?"),
    ("press", "Berlin, Paris, Rome", "Which language should I speak?"),
    ("press", "English", "What is your current weight?"),
    ("say", "68,5 kg", "waist circumference"),
    ("press", "Skip", "body fat"),
    ("press", "Skip", "How active are you"),
    ("press", "Lightly active", "On how many days a week"),
    ("say", "3", "How many hours do you sleep"),
    ("say", "7", "How stressed"),
    ("press", "6", "What do you want to work on?"),
)
AFTER_FOCUS = (
    ("press", "Done", "injuries or pain"),
    ("press", "No", "How motivated"),
    ("press", "9", "Anything else your coach should know?"),
    ("press", "Skip", "heart condition"),
    ("press", "No", "pain in your chest"),
    ("press", "No", "dizziness"),
    ("press", "No", "another chronic medical condition"),
    ("press", "No", "prescribed medication"),
    ("press", "No", "bone, joint"),
    ("press", "No", "medically supervised"),
    ("press", "No", "What is your first goal about?"),
    ("press", "Body weight", "What weight do you want to reach?"),
    ("say", "63", "By when"),
    ("say", f"15.6.{date.today().year + 1}", "At what time of day should reminders come?"),
    ("say", "7pm", "stay quiet"),
    ("press", "Skip", "Until what time"),
    ("say", "6:30", "All set, Dora!"),
)


async def play(tab: Tab, steps) -> None:
    for action, value, then in steps:
        await (tab.say(value, then) if action == "say" else tab.press(value, then))


async def test_a_coach_invites_a_client_who_onboards_in_a_second_tab(sandbox: Sandbox, browser):
    coach = await open_tab(browser, f"{sandbox.url}/?user={COACH.telegram_id}")
    await coach.expect(coach.page.locator("#me-name")).to_have_text("Anna Coach")
    await coach.say("/menu", "Coach menu")
    await coach.press("➕ Add client", "What is your new client's name?")
    await coach.say("Dora Lind", "Their email address?")
    await coach.say("dora@example.org", "phone number")
    await coach.press("Skip", "Any notes")
    await coach.press("Skip", "Tags")
    await coach.press("Skip", "Dora Lind is added. Send them this link to join:")

    async with browser.expect_page() as opened:
        await coach.last_bot_row.locator("a.tg-deeplink").click()
    client = Tab(await opened.value)
    await client.expect(client.page.locator("#link-chooser h1")).to_have_text("Open this link as…")
    form = client.page.locator("#link-new-person")
    await form.locator("input[name=first_name]").fill("Dora")
    await form.locator("input[name=last_name]").fill("Lind")
    await form.get_by_role("button", name="Create and open").click()
    await client.expect(client.page.locator("#me-name")).to_have_text("Dora Lind")
    await client.page.get_by_role("button", name="START").click()
    await client.expect(client.page.locator(BOT_ROWS).first).to_contain_text(
        "Welcome, Dora! Anna Coach invited you"
    )
    await client.shows("Your privacy")
    await coach.shows("Dora Lind opened your invitation")  # live, in the other tab

    await play(client, ONBOARDING)
    focus = client.last_bot_row
    await focus.get_by_role("button", name="Lose fat", exact=True).click()
    # The bot edits the question's keyboard: the tick shows without reloading.
    await client.expect(focus.get_by_role("button", name="✅ Lose fat")).to_be_visible()
    await play(client, AFTER_FOCUS)
    await client.shows("Reminders come at 19:00 (Europe/Berlin); I stay quiet from 22:00 to 06:30.")
    await coach.shows("Dora Lind finished onboarding")
    await client.expect(client.page.locator("#commands-button")).to_be_visible()
    await client.screenshot("onboarding-client.png")
    await coach.screenshot("onboarding-coach.png")

    # As the README goes on: the coach schedules check-ins, the sandbox makes one due now.
    await coach.say("/clients", "Your clients")
    await coach.press("Dora Lind · Active", "Dora Lind")
    await coach.press("📅 Check-ins", "No check-ins are scheduled.")
    await coach.press("📅 Weekly", "day")
    days = coach.last_bot_row
    await days.get_by_role("button", name="Mon", exact=True).click()
    await coach.expect(days.get_by_role("button", name="✅ Mon")).to_be_visible()
    await coach.press("Done", "At what time of day")
    await coach.press("08:00", "Saved ✅")
    await client.page.click("#menu-toggle")
    await client.page.get_by_role("button", name="⏰ Check-in due now").click()
    await client.expect(client.page.locator("#alert-text")).to_contain_text(
        "Dora Lind's next check-in is open now."
    )
    await client.page.get_by_role("button", name="OK").click()
    await client.say("/checkin", "What did you weigh this morning?")
    assert client.errors == [] and coach.errors == []


def progress_photo() -> bytes:
    image = Image.new("RGB", (600, 800), (230, 220, 200))
    image.paste((60, 110, 170), (220, 200, 380, 560))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


async def test_a_client_answers_a_checkin_with_a_photo_and_the_coach_reviews_it(
    sandbox: Sandbox, browser, tmp_path
):
    client = await open_tab(browser, f"{sandbox.url}/?user={DANA.telegram_id}")
    await client.shows("your check-in is ready")
    await client.press("▶️ Start check-in", "What did you weigh this morning?")
    await client.say("74.2", "waist")
    await client.say("83", "body fat")
    await client.say("28.9", "energy")
    await client.press("8", "sleep")
    await client.say("7.5", "stick to your plan")
    await client.press("Mostly (70–90 %)", "planned workouts")
    await client.press("Yes", "What went well")
    await client.say("Two long walks <b>and</b> a swim", "What was hard")
    await client.press("Skip", "progress photos")

    photo = tmp_path / "front.jpg"
    photo.write_bytes(progress_photo())
    await client.page.click("#attach")
    async with client.page.expect_file_chooser() as chooser:
        await client.page.click("#attach-file")
    await (await chooser.value).set_files(str(photo))
    await client.expect(client.page.locator("#upload-title")).to_have_text("Send 1 photo")
    await client.page.click("#upload-send")
    await client.shows("Got it: 1 of up to 3 photos")
    await client.press("✅ Done", "Thank you, Dana! Your check-in is with your coach.")
    mine = client.page.locator("#messages .row.mine")
    await client.expect(mine.locator(".photos img")).to_have_count(1)
    # What the person typed is shown as typed, not as markup.
    await client.expect(mine.locator(".text", has_text="Two long walks")).to_have_text(
        "Two long walks <b>and</b> a swim"
    )
    await client.screenshot("checkin-client.png")

    await client.page.click("#menu-toggle")
    await client.page.get_by_role("button", name="⏰ Check-in due now").click()
    await client.expect(client.page.locator("#alert-text")).to_contain_text(
        "Dana Weiss's next check-in is open now."
    )
    await client.page.get_by_role("button", name="OK").click()
    await client.shows("your check-in is ready")

    coach = await open_tab(browser, f"{sandbox.url}/?user={COACH.telegram_id}")
    await coach.say("/review", "Check-in from")
    album = coach.page.locator(BOT_ROWS).filter(has=coach.page.locator(".photos"))
    await coach.expect(album.last.locator("img")).not_to_have_count(0)
    await coach.expect(
        coach.last_bot_row.get_by_role("button", name="✅ Mark reviewed")
    ).to_be_visible()
    await coach.screenshot("review-coach.png")
    assert client.errors == [] and coach.errors == []


ELI = CLIENTS[1].person


async def open_link_button(tab: Tab, label: str) -> Tab:
    """Click a link button under the newest bot message: its page opens in a new tab."""
    link = tab.last_bot_row.get_by_role("link", name=label)
    async with tab.page.context.expect_page() as opened:
        await link.click()
    page = await opened.value
    await page.wait_for_load_state()
    return Tab(page)


async def test_a_client_pays_for_a_package_on_the_sandbox_checkout_and_both_see_it(
    sandbox: Sandbox, browser
):
    coach = await open_tab(browser, f"{sandbox.url}/?user={COACH.telegram_id}")
    await coach.say("/menu", "Coach menu")
    await coach.press("💶 Billing", "Billing: sell packages")
    await coach.press("📦 Packages", "packages")
    await coach.press("➕ New package", "What is the package called?")
    await coach.say("Online coaching", "Describe what the client gets")
    await coach.say("Weekly check-ins and a monthly call", "In which currency?")
    await coach.press("EUR", "What does it cost, in EUR?")
    await coach.say("59", "One-off payment, or recurring?")
    await coach.press("Monthly", "A free trial before the first payment?")
    await coach.press("No trial", "Package saved ✅")
    await coach.say("/clients", "Your clients")
    await coach.press(f"{ELI.full_name} · Active", ELI.full_name)
    await coach.press("💳 Billing", "No subscription.")
    await coach.press("📦 Send a package", "Which package?")
    await coach.press("Online coaching · €59.00 per month", "Sent Online coaching")

    client = await open_tab(browser, f"{sandbox.url}/?user={ELI.telegram_id}")
    await client.shows("Anna Coach sent you a coaching package")
    await client.press("💳 Pay €59.00", "Your checkout is ready.")
    checkout = await open_link_button(client, "🔒 Open secure checkout ↗")
    page = checkout.page
    await checkout.expect(page).to_have_title("Sandbox Stripe checkout · Coachbot sandbox")
    await checkout.expect(page.locator("#price")).to_contain_text("€59.00")
    await checkout.expect(page.locator(".sandbox-banner")).to_contain_text("No real card")
    await checkout.screenshot("checkout.png")

    # A declined card: Stripe's message, nothing paid, the form stays.
    completed = len(sandbox.stripe.events_of("checkout.session.completed"))  # the demo's
    await page.get_by_role("button", name="4000 0000 0000 0002").click()
    await page.get_by_role("button", name="Subscribe").click()
    await checkout.expect(page.locator("#card-error")).to_have_text("Your card was declined.")
    await checkout.screenshot("checkout-declined.png")
    assert len(sandbox.stripe.events_of("checkout.session.completed")) == completed

    await page.get_by_role("button", name="4242 4242 4242 4242").click()
    await page.get_by_role("button", name="Subscribe").click()
    await checkout.expect(page.locator("h1")).to_have_text("Thank you!")
    await checkout.screenshot("checkout-success.png")

    # The receipt arrives in the client's chat, and the coach is told, live.
    await client.shows("✅ Payment received: €59.00 for Online coaching. Thank you!")
    await client.expect(
        client.last_bot_row.get_by_role("link", name="🧾 Invoice ↗")
    ).to_be_visible()
    await client.screenshot("billing-client.png")
    await coach.shows(f"💶 {ELI.full_name} paid €59.00 for Online coaching.")
    await coach.say("/clients", "Your clients")
    await coach.press(f"{ELI.full_name} · Active", ELI.full_name)
    await coach.press("💳 Billing", "Paid so far: €59.00")
    await coach.shows("Status: active")
    await coach.say("/menu", "Coach menu")
    await coach.press("💶 Billing", "Billing: sell packages")
    await coach.press("💶 Revenue", "Revenue (paid minus refunds): €157.00")
    await coach.shows(f"{DANA.full_name}: €98.00")  # the demo's paying client
    await coach.shows(f"{ELI.full_name}: €59.00")
    await coach.screenshot("billing-coach.png")

    # The customer portal: the card paid with, and cancelling at the period's end.
    await client.say("/billing", "Your plan with Anna Coach")
    await client.press("💳 Change card or cancel", "billing portal")
    portal = await open_link_button(client, "💳 Open billing portal ↗")
    await portal.expect(portal.page.locator("#card-on-file")).to_contain_text("Visa •••• 4242")
    await portal.screenshot("portal.png")
    portal.page.on("dialog", lambda dialog: dialog.accept())
    await portal.page.get_by_role("button", name="Cancel plan").click()
    await portal.expect(portal.page.locator("#notice")).to_contain_text("Your plan is cancelled")
    await portal.page.get_by_role("link", name="← Return to Coachbot sandbox").click()
    await portal.expect(portal.page.locator("h1")).to_have_text("All set")
    await client.say("/billing", "Ends on")
    for tab in (coach, client, checkout, portal):
        assert tab.errors == []


async def set_hidden(tab: Tab, hidden: bool) -> None:
    """What the browser does when the person switches to another tab, and back."""
    await tab.page.evaluate(
        """(hidden) => {
            Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


async def test_many_tabs_work_because_hidden_ones_let_go_of_their_live_stream(
    sandbox: Sandbox, browser
):
    """Chromium opens six connections to one host, and each chat's live stream holds one:
    with more tabs than that, the page would hang unless the hidden ones close theirs."""
    tabs = []
    for _ in range(8):
        tab = await open_tab(browser, f"{sandbox.url}/?user={COACH.telegram_id}")
        await tab.expect(tab.page.locator("#me-name")).to_have_text(COACH.full_name)
        await set_hidden(tab, True)
        tabs.append(tab)
    current, first = tabs[-1], tabs[0]
    await set_hidden(current, False)
    await current.say("/help", then="/cancel")
    await set_hidden(first, False)  # back to the first tab: it catches up on what it missed
    await first.shows("/cancel")
    assert not any(tab.errors for tab in tabs)


FARAH = CLIENTS[2].person


async def at_the_end(tab: Tab) -> bool:
    """The chat is scrolled to its newest message (within a pixel)."""
    return await tab.page.evaluate(
        "() => { const l = document.querySelector('#messages');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight <= 1; }"
    )


async def test_after_an_album_the_chat_shows_the_newest_message(sandbox: Sandbox, browser):
    """Photos load after their rows are shown and make them taller: the chat still ends
    with the bot's newest message in view, not ~200 px below it."""
    client = await open_tab(browser, f"{sandbox.url}/?user={FARAH.telegram_id}")
    await client.shows("your check-in is ready")
    await client.press("▶️ Start check-in", "What did you weigh this morning?")
    await client.say("62.1", "waist")
    await client.say("70.5", "body fat")
    await client.say("24", "energy")
    await client.press("8", "sleep")
    await client.say("7.5", "stick to your plan")
    await client.press("Fully (90–100 %)", "planned workouts")
    await client.press("Yes", "What went well")
    await client.say("Ran 5 km", "What was hard")
    await client.press("Skip", "progress photos")

    files = []
    for index, color in enumerate(((200, 60, 60), (60, 160, 60), (60, 60, 200))):
        path = sandbox.application.settings.data_dir / f"album-{index}.jpg"
        image = Image.new("RGB", (900, 1200), color)
        out = io.BytesIO()
        image.save(out, format="JPEG")
        path.write_bytes(out.getvalue())
        files.append(str(path))
    await client.page.click("#attach")
    async with client.page.expect_file_chooser() as chooser:
        await client.page.click("#attach-file")
    await (await chooser.value).set_files(files)
    await client.expect(client.page.locator("#upload-title")).to_have_text("Send 3 photos")
    await client.page.click("#upload-send")
    await client.shows("Thank you, Farah!")
    mine = client.page.locator("#messages .row.mine").last
    await client.expect(mine.locator(".photos img")).to_have_count(3)
    await client.page.wait_for_function(
        "() => [...document.querySelectorAll('#messages .row.mine .photos img')]"
        ".every((image) => image.complete && image.naturalWidth > 0)"
    )
    await client.expect(client.last_bot_row).to_be_in_viewport(ratio=1)
    assert await at_the_end(client)
    await client.screenshot("album-client.png")
    assert client.errors == []


async def test_a_long_paste_goes_as_several_messages(sandbox: Sandbox, browser):
    client = await open_tab(browser, f"{sandbox.url}/?user={COACH.telegram_id}")
    await client.expect(client.page.locator("#me-name")).to_have_text(COACH.full_name)
    paste = " ".join(f"paste{i}" for i in range(1100))  # 9,889 characters
    await client.page.fill("#text", paste)
    await client.page.press("#text", "Enter")
    # Only the paste's rows: the chat's history may still be arriving around them.
    parts = client.page.locator("#messages .row.mine", has_text="paste")
    await client.expect(parts).to_have_count(3)
    texts = [await parts.nth(i).locator(".text").inner_text() for i in range(3)]
    assert " ".join(texts) == paste and all(len(text) <= 4096 for text in texts)
    assert client.errors == []
