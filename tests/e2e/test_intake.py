"""What a client tells at onboarding reaches where it is used: the weight is the first
measurement, and the coach sees the intake and health answers."""

from __future__ import annotations

import csv
import io
import zipfile

from pypdf import PdfReader

from coachbot.domain.onboarding.use_cases import ASSESSMENT, ApplyStage, ApplyStageUseCase
from coachbot.domain.people.model import ClientStatus
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.checkin_helpers import move_clock_to, run_checkin_ticks, schedule_weekly
from tests.e2e.conftest import Harness
from tests.e2e.onboarding_helpers import onboard_through_forms
from tests.e2e.progress_helpers import open_client_card
from tests.e2e.test_checkins import FIRST_DUE, answer_checkin, is_text
from tests.e2e.test_client_onboarding import add_client


async def test_the_onboarding_weight_is_the_first_measurement(harness: Harness):
    cleo = await onboard_through_forms(harness)
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        user = await uow.users.get_by_telegram_id(cleo.id)
        assert user is not None and user.id is not None
        client = (await uow.clients.list_for_user(user.id))[0]
        client.status = ClientStatus.onboarding  # as when an update about it came twice
        await uow.clients.update(client)
        await uow.commit()
    again = ApplyStage(user_id=user.id, purpose=ASSESSMENT, answers={})
    await ApplyStageUseCase(harness.app.container.uow, harness.clock)(again)
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        client = (await uow.clients.list_for_user(user.id))[0]
        entries = await uow.metrics.list_all(client.id or 0)
    assert [(e.metric, e.value, e.source) for e in entries] == [
        ("weight", 64.0, "onboarding"),
        ("waist", 80.0, "onboarding"),
    ]
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    assert chart.kind == "photo", chart.text
    assert "64" in chart.text  # the caption: the only weight so far


async def test_the_coach_reads_the_intake_flags_first_from_the_notice_and_the_card(
    harness: Harness,
):
    await onboard_through_forms(harness)
    coach = harness.admin
    told = await coach.next_bot_message()
    assert told.text.startswith("Cleo Park finished onboarding")
    assert told.buttons == [["📋 Intake & health"]]
    await coach.press("📋 Intake & health", message_id=told.message_id)
    intake = (await coach.next_bot_message()).text
    lines = intake.splitlines()
    assert lines[0] == "📋 Intake & health · Cleo Park"
    assert lines[2].startswith("⚠️ To check before training (answered ")
    assert lines[3] == (
        "• Have you been diagnosed with another chronic medical condition? Yes — Asthma"
    )
    assert lines[4] == "• Do you have any injuries or pain we should know about? Yes — Left knee"
    assert "• What is your current weight? 64.0 kg" in lines
    assert "• What do you want to work on? Lose fat" in lines
    assert "• How motivated are you to start? (1 = not really, 10 = very) 9/10" in lines
    assert "• Do you feel pain in your chest at rest" in intake  # answered no: further down
    assert intake.index("Initial assessment ·") < intake.index("Health screen (PAR-Q) ·")

    await open_client_card(coach)
    await coach.press("📋 Intake & health")
    assert (await coach.next_bot_message()).text == intake


async def test_a_client_who_has_not_joined_has_no_intake_yet(harness: Harness):
    await add_client(harness)
    coach = harness.admin
    await open_client_card(coach, "Cleo Park · Invited")
    card = coach.chat.last_bot_message
    assert "📋 Intake & health" not in [label for row in card.buttons for label in row]


async def test_the_export_and_the_coachs_pdf_report_hold_the_intake(harness: Harness):
    await onboard_through_forms(harness)
    coach = harness.admin
    await coach.bot_messages_until_idle()
    await open_client_card(coach)
    await coach.press("🗂 Progress & reports")
    await coach.next_bot_message()
    await coach.press("📄 PDF report (30 days)")
    report = await coach.next_bot_message()
    pages = PdfReader(io.BytesIO(report.document)).pages
    intake = pages[-1].extract_text()
    assert "Intake & health\nTo check before training (answered Mar 2, 2026)" in intake
    assert "another chronic medical condition? Yes — Asthma" in intake
    assert "What is your current weight? 64.0 kg" in intake
    assert intake.index("Initial assessment") < intake.index("Health screen (PAR-Q)")

    await coach.press("📦 Export everything (ZIP)")
    await coach.next_bot_message()
    chat = await coach.wait_for(lambda chat: chat.last_bot_message.kind == "document")
    archive = zipfile.ZipFile(io.BytesIO(chat.last_bot_message.document))
    rows = list(csv.DictReader(io.StringIO(archive.read("intake.csv").decode("utf-8-sig"))))
    assert [(r["question"], r["answer"], r["flagged"]) for r in rows[:4]] == [
        ("chronic_condition", "True", "True"),
        ("chronic_condition_details", "Asthma", "True"),
        ("injuries", "True", "True"),
        ("injury_details", "Left knee", "True"),
    ]
    assert {"question": "weight", "answer": "64.0"}.items() <= next(
        r for r in rows if r["question"] == "weight"
    ).items()
    assert "intake.csv" in archive.read("README.txt").decode()

    cleo = harness.user(4001, "Cleo")
    await cleo.send_text("/report")  # the client's own copy: no intake page
    own = PdfReader(io.BytesIO((await cleo.next_bot_message()).document))
    assert "Intake & health" not in "".join(page.extract_text() for page in own.pages)


async def test_the_first_check_in_is_reviewed_against_the_initial_assessment(harness: Harness):
    cleo = await onboard_through_forms(harness)  # 64 kg, waist 80 cm
    coach = harness.admin
    await coach.bot_messages_until_idle()
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()  # ready
    await answer_checkin(cleo, weight="63.2", waist="79", album="a1")
    await coach.next_bot_message()  # sent
    await coach.send_text("/review")
    card = (await coach.bot_messages_through(is_text))[-1]
    assert "What did you weigh this morning?\n63.2 kg (−0.8 kg)" in card.text
    assert "Your waist circumference (at the navel)?\n79.0 cm (−1 cm)" in card.text
    assert "Compared with the initial assessment of Mar 2, 2026." in card.text
