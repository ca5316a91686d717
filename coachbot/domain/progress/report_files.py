"""Progress reports (PDF) on request and monthly, and generated files' clean-up.

The monthly report is driven by the database (a plan per client with the time its next
report is due), never by scheduler memory. A tick renders it in a worker thread, keeps
the PDF encrypted in the blob store and writes an outbox row that refers to it (the row
stays small; the dispatcher reads the file when it sends). Advancing the plan and the
outbox row (idempotency key per client and month) commit together, so a tick that runs
twice or after a restart sends each month's report once; the files are deleted a few
days later, delivered or not.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coachbot.domain.checkins.model import ThreadRole
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.goals.model import GoalStatus
from coachbot.domain.goals.viewing import goal_progress
from coachbot.domain.onboarding.intake import load_intake
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, User
from coachbot.domain.progress import notices, trends
from coachbot.domain.progress.metrics import definition_of, display_order
from coachbot.domain.progress.photos import threads_in_order
from coachbot.domain.progress.pictures import (
    build_series,
    by_metric,
    goal_for,
    local_today,
    viewpoint,
    visible_client,
)
from coachbot.domain.progress.ports import ReportRenderer
from coachbot.domain.progress.reports import (
    FILE_RETENTION,
    SEND_WITHIN,
    GeneratedFile,
    ReportPlan,
    local_bounds,
    next_report_due,
    previous_month,
)
from coachbot.domain.progress.views import Compliance, NoteLine, ProgressReport, Trends
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

REPORT_DAYS = 30
BATCH = 50
RECENT_CHECKINS = 500
STORED_DOCUMENT = "stored_document"  # a Notice attachment that is a generated file


async def build_report(
    uow: UnitOfWork,
    client: Client,
    reader: User,
    start: date,
    end: date,
    now: datetime,
    *,
    for_coach: bool,
) -> ProgressReport:
    """Everything about `client` from `start` to `end` (local days), for `reader`."""
    assert client.id is not None
    client_user = await uow.users.get(client.user_id) if client.user_id else None
    timezone = (client_user or reader).timezone
    begin, finish = local_bounds(start, end, timezone)
    moment = min(now, finish)
    custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
    coach = await uow.coaches.get(client.coach_id)
    goals = [g for g in await uow.goals.list_for_client(client.id) if g.status != GoalStatus.closed]
    entries = by_metric(await uow.metrics.list_all(client.id))
    metrics = []
    for key in sorted(entries, key=display_order):
        definition = definition_of(key, custom)
        inside = [e for e in entries[key] if begin <= e.measured_at < finish]
        if definition is None or not inside:
            continue
        points = [(e.measured_at, e.value) for e in entries[key]]
        series = build_series(inside, definition, goal_for(goals, key), moment, timezone)
        comparison = trends.PeriodComparison(
            current=trends.period_stats(points, begin, finish),
            previous=trends.period_stats(points, begin - (finish - begin), begin),
        )
        metrics.append(Trends(series, comparison, None))
    checkins = [
        c
        for c in await uow.checkins.recent_for_client(client.id, limit=RECENT_CHECKINS)
        if begin <= c.due_at < finish
    ]
    compliance = Compliance(
        due=len(checkins),
        submitted=sum(c.submitted_at is not None for c in checkins),
        late=sum(c.late for c in checkins),
    )
    notes = [
        NoteLine(
            message.created_at, message.role is ThreadRole.coach, message.kind.value, message.text
        )
        for message in await threads_in_order(uow, sorted(checkins, key=lambda c: c.due_at))
    ]
    achievements = [
        a
        for a in await uow.achievements.list_for_client(client.id)
        if begin <= a.achieved_at < finish
    ]
    progress = [
        await goal_progress(uow, g, entries.get(g.metric or "", []), custom, moment, timezone)
        for g in goals
    ]
    return ProgressReport(
        client_name=client.display_name,
        coach_name=coach.display_name if coach else "",
        period_start=start,
        period_end=end,
        generated_at=now,
        view=viewpoint(reader),
        goals=tuple(progress),
        metrics=tuple(metrics),
        compliance=compliance,
        achievements=tuple(achievements),
        notes=tuple(notes),
        private_notes=client.notes if for_coach else "",
        intake=await load_intake(uow, client) if for_coach else None,
    )


def slug(client: Client) -> str:
    """The client's name as it can stand in a file name: "cleo-park"."""
    return re.sub(r"[^a-z0-9]+", "-", client.display_name.lower()).strip("-") or "client"


def report_filename(client: Client, start: date, end: date) -> str:
    return f"progress-{slug(client)}-{start.isoformat()}-{end.isoformat()}.pdf"


@dataclass(frozen=True, kw_only=True)
class MakeProgressReport:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None
    days: int = REPORT_DAYS  # the period ends today


@dataclass(frozen=True)
class ReportFile:
    client: Client
    filename: str
    content: bytes
    start: date
    end: date


class MakeProgressReportUseCase:
    """A PDF for the person asking: the client's own, or a coach's copy with their
    private notes."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, renderer: ReportRenderer) -> None:
        self._uow = uow
        self._clock = clock
        self._renderer = renderer

    async def __call__(self, cmd: MakeProgressReport) -> ReportFile:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            reader = await uow.users.get(cmd.user_id)
            assert reader is not None
            end = local_today(now, reader.timezone)
            start = end - timedelta(days=cmd.days - 1)
            report = await build_report(
                uow, client, reader, start, end, now, for_coach=client.user_id != cmd.user_id
            )
        content = await self._renderer.render(report)
        return ReportFile(client, report_filename(client, start, end), content, start, end)


@dataclass(frozen=True, kw_only=True)
class MonthlyReport:
    """`active` None only reads the plan."""

    coach_id: int | None
    client_id: int
    active: bool | None = None


class MonthlyReportUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: MonthlyReport) -> ReportPlan | None:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await uow.clients.get(cmd.client_id)
            if client is None or cmd.coach_id is None or client.coach_id != cmd.coach_id:
                raise ClientNotFound()
            plan = await uow.reports.get_plan(cmd.client_id)
            if cmd.active is None:
                return plan
            client_user = await uow.users.get(client.user_id) if client.user_id else None
            timezone = client_user.timezone if client_user else "UTC"
            plan = ReportPlan(
                client_id=cmd.client_id,
                coach_id=client.coach_id,
                active=cmd.active,
                updated_at=now,
                next_due_at=next_report_due(now, timezone) if cmd.active else None,
            )
            await uow.reports.save_plan(plan)
            await uow.commit()
        return plan


class SendMonthlyReportsUseCase:
    """The tick: each due client's report for the month that ended, once."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, renderer: ReportRenderer, blobs: BlobStore
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._renderer = renderer
        self._blobs = blobs

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            due = list(await uow.reports.due_plans(now=now, limit=BATCH))
        sent = 0
        for plan in due:
            try:
                sent += await self._send(plan, now)
            except Exception:  # one client's broken report must not stop the others
                logger.exception("Monthly report for client %s failed", plan.client_id)
        return sent

    async def _send(self, plan: ReportPlan, now: datetime) -> int:
        assert plan.next_due_at is not None
        async with self._uow() as uow:
            client = await uow.clients.get(plan.client_id)
            user = await uow.users.get(client.user_id) if client and client.user_id else None
            if client is None or user is None:
                return 0
            start, end = previous_month(plan.next_due_at, user.timezone)
            report = await build_report(uow, client, user, start, end, now, for_coach=False)
        content = await self._renderer.render(report)
        key = await self._blobs.put(content)
        try:
            async with self._uow() as uow:
                current = await uow.reports.get_plan(plan.client_id)
                if current is None or not current.active or current.next_due_at != plan.next_due_at:
                    await self._blobs.delete(key)  # another run took it, or it was switched off
                    return 0
                await send_stored_file(
                    uow,
                    client,
                    "report",
                    key,
                    notices.MonthlyReport(
                        filename=report_filename(client, start, end),
                        size=len(content),
                        start=start,
                        end=end,
                    ),
                    recipient=user,
                    idempotency_key=f"monthly-report:{client.id}:{start.isoformat()}",
                    now=now,
                )
                current.next_due_at = next_report_due(now, user.timezone)
                current.updated_at = now
                await uow.reports.save_plan(current)
                await uow.commit()
        except BaseException:
            await self._blobs.delete(key)
            raise
        return 1


async def send_stored_file(
    uow: UnitOfWork,
    client: Client,
    kind: str,
    blob_key: str,
    notice: notices.StoredFileNotice,
    *,
    recipient: User,
    idempotency_key: str,
    now: datetime,
) -> None:
    """Record a generated file about `client` (kept until `FILE_RETENTION` is over) and
    the outbox message that delivers it."""
    file = GeneratedFile(
        client.id or 0, kind, blob_key, notice.filename, notice.size, now, now + FILE_RETENTION
    )
    await uow.reports.add_file(file)
    await uow.outbox.enqueue(
        notice_for(
            recipient,
            notice,
            key=idempotency_key,
            now=now,
            expires_at=now + SEND_WITHIN,
            attachment=file.blob_key,
            attachment_kind=STORED_DOCUMENT,
        )
    )


class PurgeGeneratedFilesUseCase:
    """Delete reports and exports whose time to be delivered is over."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, blobs: BlobStore) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            expired = list(await uow.reports.expired_files(now=now, limit=BATCH * 10))
            for file in expired:
                await self._blobs.delete(file.blob_key)
                await uow.reports.delete_file(file.id or 0)
            await uow.commit()
        return len(expired)
