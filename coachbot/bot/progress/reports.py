"""The progress report and exports: the PDF report (/report), the measurements as CSV
(/export), the coach's ZIP of everything about a client, and the monthly report switch."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import ReportAction, ReportCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, plain
from coachbot.bot.progress import keyboards
from coachbot.bot.progress.texts import day
from coachbot.bot.texts import local_date
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.exports import ExportClient, ExportMetrics, ExportMetricsUseCase
from coachbot.domain.progress.report_files import (
    MakeProgressReport,
    MakeProgressReportUseCase,
    MonthlyReport,
)
from coachbot.domain.use_cases import UseCases
from coachbot.reports.labels import number

router = Router(name=__name__)

UPLOAD_DOCUMENT = {"chat_action": "upload_document"}


@router.message(Command("report"), flags=UPLOAD_DOCUMENT)
async def report_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await _send_report(message, identity, uc.progress.make_progress_report, client_id=0)


@router.callback_query(ReportCb.filter(F.action == ReportAction.pdf), flags=UPLOAD_DOCUMENT)
async def report_button(
    query: CallbackQuery,
    callback_data: ReportCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        await _send_report(
            query.message,
            identity,
            uc.progress.make_progress_report,
            client_id=callback_data.client_id,
        )


async def _send_report(
    message: Message,
    identity: Identity,
    make_progress_report: MakeProgressReportUseCase,
    *,
    client_id: int,
) -> None:
    report = await make_progress_report(
        MakeProgressReport(
            user_id=identity.user_id, coach_id=identity.coach_id, client_id=client_id or None
        )
    )
    language = identity.user.language
    caption: str = fmt(
        _("📄 Progress report, {start} – {end}"),
        start=day(report.start, language),
        end=day(report.end, language),
    )
    if client_id:
        caption = fmt("👤 {name} · {caption}", name=report.client.display_name, caption=caption)
    await message.answer_document(
        BufferedInputFile(report.content, filename=report.filename), caption=caption
    )


@router.message(Command("export"), flags=UPLOAD_DOCUMENT)
async def export_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await _send_metrics(message, identity, uc.progress.export_metrics, client_id=0)


@router.callback_query(ReportCb.filter(F.action == ReportAction.csv), flags=UPLOAD_DOCUMENT)
async def export_button(
    query: CallbackQuery,
    callback_data: ReportCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        await _send_metrics(
            query.message, identity, uc.progress.export_metrics, client_id=callback_data.client_id
        )


async def _send_metrics(
    message: Message, identity: Identity, export_metrics: ExportMetricsUseCase, *, client_id: int
) -> None:
    exported = await export_metrics(
        ExportMetrics(
            user_id=identity.user_id, coach_id=identity.coach_id, client_id=client_id or None
        )
    )
    if exported.rows == 0:
        await message.answer(_("There are no measurements to export yet."))
        return
    caption = fmt(
        ngettext(
            "📊 {count} measurement as CSV: one row each, in your units and as stored (kg, cm).",
            "📊 {count} measurements as CSV: one row each, in your units and as stored (kg, cm).",
            exported.rows,
        ),
        count=exported.rows,
    )
    await message.answer_document(
        BufferedInputFile(exported.content, filename=exported.filename), caption=caption
    )


@router.callback_query(ReportCb.filter(F.action == ReportAction.export), IsCoach())
async def export_everything(
    query: CallbackQuery,
    callback_data: ReportCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    queued = await uc.progress.export_client(
        ExportClient(
            coach_id=identity.coach_id,
            user_id=identity.user_id,
            client_id=callback_data.client_id,
        )
    )
    callback_answer.text = _("Preparing the export…")
    if isinstance(query.message, Message):
        size = number(queued.size / 1024 / 1024, identity.user.language)
        await query.message.answer(
            fmt(
                ngettext(
                    "📦 The export of {name} is on its way: {count} ZIP file, {size} MB.",
                    "📦 The export of {name} is on its way: {count} ZIP files, {size} MB in all "
                    "(Telegram takes files up to 50 MB).",
                    queued.parts,
                ),
                name=escape(queued.client.display_name),
                count=queued.parts,
                size=size,
            )
        )


@router.callback_query(
    ReportCb.filter(F.action.in_({ReportAction.monthly_on, ReportAction.monthly_off})), IsCoach()
)
async def switch_monthly_report(
    query: CallbackQuery,
    callback_data: ReportCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    plan = await uc.progress.monthly_report(
        MonthlyReport(
            coach_id=identity.coach_id,
            client_id=callback_data.client_id,
            active=callback_data.action is ReportAction.monthly_on,
        )
    )
    if plan is not None and plan.active and plan.next_due_at is not None:
        callback_answer.text = plain(
            _("Monthly report on: the next arrives on {date}."),
            date=local_date(plan.next_due_at.date(), identity.user),
        )
    else:
        callback_answer.text = _("Monthly report off.")
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=keyboards.coach_progress_menu(callback_data.client_id, plan)
        )
