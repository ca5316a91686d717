"""Exports: a client's metric history as CSV (for themselves or their coach), and a
client's whole record as ZIP files for their coach (profile, intake and health screen
answers, check-ins with answers, metrics, goals, notes, achievements as JSON and CSV, and
the photos decrypted).

The ZIP files go through the outbox like the monthly report: each part is kept
encrypted until it is sent, so a large export neither holds up the chat nor is lost
when a send fails.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.model import Checkin, MetricEntry
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.onboarding.intake import intake_rows, load_intake
from coachbot.domain.people.model import Client, User
from coachbot.domain.progress.metrics import MetricDefinition, definition_of
from coachbot.domain.progress.notices import ExportReady
from coachbot.domain.progress.photos import photos_by_checkin, threads_in_order
from coachbot.domain.progress.pictures import visible_client
from coachbot.domain.progress.ports import ExportWriter
from coachbot.domain.progress.report_files import send_stored_file, slug
from coachbot.domain.progress.views import ClientRecord
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

RECENT_CHECKINS = 5000
TELEGRAM_UPLOAD_BYTES = 50 * 1024 * 1024
PART_MARGIN = 512 * 1024  # room for the multipart request around the file


def metric_rows(
    entries: list[MetricEntry], custom: list, reader: User | None
) -> list[dict[str, Any]]:
    """One row per measurement: as stored (SI units) and in the reader's units."""
    units = UnitSystem(reader.units) if reader else UnitSystem.metric
    zone = ZoneInfo(reader.timezone if reader else "UTC")
    rows = []
    for entry in entries:
        definition = definition_of(entry.metric, custom)
        rows.append(
            {
                "measured_at": entry.measured_at,
                "local_date": entry.measured_at.astimezone(zone).date(),
                "metric": entry.metric,
                "name": _name(definition),
                "value": round(definition.shown(entry.value, units), 2) if definition else "",
                "unit": definition.symbol(units) if definition else "",
                "value_stored": entry.value,
                "unit_stored": definition.symbol(UnitSystem.metric) if definition else "",
                "source": entry.source,
                "checkin_id": entry.checkin_id,
            }
        )
    return rows


def _name(definition: MetricDefinition | None) -> str:
    if definition is None:
        return ""
    return definition.name or definition.key.replace("_", " ")


@dataclass(frozen=True, kw_only=True)
class ExportMetrics:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class ExportFile:
    client: Client
    filename: str
    content: bytes
    rows: int


class ExportMetricsUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, writer: ExportWriter) -> None:
        self._uow = uow
        self._clock = clock
        self._writer = writer

    async def __call__(self, cmd: ExportMetrics) -> ExportFile:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            reader = await uow.users.get(cmd.user_id)
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            rows = metric_rows(list(await uow.metrics.list_all(client.id or 0)), custom, reader)
        record = ClientRecord(client.display_name, now, {"metrics": rows}, ())
        content = await asyncio.to_thread(self._writer.metrics_csv, record)
        name = f"metrics-{slug(client)}-{now.date().isoformat()}.csv"
        return ExportFile(client, name, content, len(rows))


@dataclass(frozen=True, kw_only=True)
class ExportClient:
    coach_id: int | None
    user_id: int
    client_id: int


@dataclass(frozen=True)
class ExportQueued:
    client: Client
    parts: int
    size: int  # bytes, all parts together


class ExportClientUseCase:
    """The coach's copy of everything about one client, as ZIP files within Telegram's
    upload limit; refused with `ExportTooLarge` beyond the number of parts allowed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        blobs: BlobStore,
        writer: ExportWriter,
        *,
        part_bytes: int = TELEGRAM_UPLOAD_BYTES - PART_MARGIN,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._writer = writer
        self._part_bytes = part_bytes

    async def __call__(self, cmd: ExportClient) -> ExportQueued:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            if cmd.coach_id is None or client.coach_id != cmd.coach_id:
                raise ClientNotFound()
            coach_user = await uow.users.get(cmd.user_id)
            assert coach_user is not None
            record = await self._record(uow, client, now)
        parts = await asyncio.to_thread(self._writer.archive, record, part_bytes=self._part_bytes)
        keys = [await self._blobs.put(part) for part in parts]
        try:
            async with self._uow() as uow:
                base = f"export-{slug(client)}-{now.date().isoformat()}"
                for number, (key, part) in enumerate(zip(keys, parts, strict=True), start=1):
                    suffix = f"-part{number}of{len(parts)}" if len(parts) > 1 else ""
                    await send_stored_file(
                        uow,
                        client,
                        "export",
                        key,
                        ExportReady(
                            filename=f"{base}{suffix}.zip",
                            size=len(part),
                            client=client.display_name,
                            part=number,
                            parts=len(parts),
                        ),
                        recipient=coach_user,
                        idempotency_key=f"export:{key}",
                        now=now,
                    )
                await uow.commit()
        except BaseException:
            for key in keys:
                await self._blobs.delete(key)
            raise
        return ExportQueued(client, len(parts), sum(len(p) for p in parts))

    async def _record(self, uow: UnitOfWork, client: Client, now: datetime) -> ClientRecord:
        assert client.id is not None
        user = await uow.users.get(client.user_id) if client.user_id else None
        custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
        checkins = sorted(
            await uow.checkins.recent_for_client(client.id, limit=RECENT_CHECKINS),
            key=lambda c: c.due_at,
        )
        tables: dict[str, list[dict[str, Any]]] = {
            "profile": [_profile(client, user)],
            "intake": intake_rows(await load_intake(uow, client)),
            "checkins": [_checkin_row(c) for c in checkins],
            "answers": await _answers(uow, checkins),
            "metrics": metric_rows(list(await uow.metrics.list_all(client.id)), custom, user),
        }
        goals = list(await uow.goals.list_for_client(client.id))
        tables["goals"] = [asdict(g) for g in goals]
        tables["milestones"] = [
            asdict(m) for g in goals for m in await uow.goals.list_milestones(g.id or 0)
        ]
        tables["goal_changes"] = [
            asdict(c) for g in goals for c in await uow.goals.list_changes(g.id or 0)
        ]
        tables["notes"] = [
            {
                "at": client.created_at,
                "author": "coach",
                "kind": "client_notes",
                "checkin_id": None,
                "text": client.notes,
            }
        ]
        tables["notes"] += [
            {
                "at": message.created_at,
                "author": message.role.value,
                "kind": message.kind.value,
                "checkin_id": message.checkin_id,
                "text": message.text,
            }
            for message in await threads_in_order(uow, checkins)
        ]
        tables["achievements"] = [
            asdict(a) for a in await uow.achievements.list_for_client(client.id)
        ]
        photos = []
        photos_of = await photos_by_checkin(uow, checkins)
        for checkin in checkins:
            day = checkin.due_at.date().isoformat()
            for number, photo in enumerate(photos_of.get(checkin.id or 0, []), start=1):
                name = f"photos/{day}_checkin-{checkin.id}_{number}.jpg"
                photos.append((name, await self._blobs.get(photo.blob_key)))
        return ClientRecord(client.display_name, now, tables, tuple(photos))


def _profile(client: Client, user: User | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": client.display_name,
        "status": client.status.value,
        "email": client.email,
        "phone": client.phone,
        "tags": client.tags,
        "client_since": client.created_at,
    }
    if user is not None:
        fields = (
            "first_name",
            "last_name",
            "username",
            "preferred_name",
            "language",
            "timezone",
            "units",
            "date_of_birth",
            "sex",
            "height_cm",
            "reminder_time",
            "quiet_start",
            "quiet_end",
            "allow_photo_forwarding",
        )
        row |= {field: getattr(user, field) for field in fields}
    return row


def _checkin_row(checkin: Checkin) -> dict[str, Any]:
    return {
        "id": checkin.id,
        "due_at": checkin.due_at,
        "status": checkin.status.value,
        "started_at": checkin.started_at,
        "submitted_at": checkin.submitted_at,
        "late": checkin.late,
        "missed_at": checkin.missed_at,
        "reviewed_at": checkin.reviewed_at,
    }


async def _answers(uow: UnitOfWork, checkins: list[Checkin]) -> list[dict[str, Any]]:
    responses = {
        r.id: r
        for r in await uow.forms.get_responses(
            [c.response_id for c in checkins if c.response_id is not None]
        )
    }
    rows = []
    for checkin in checkins:
        response = responses.get(checkin.response_id)
        if response is None:
            continue
        for question in response.template.questions:
            if question.key in response.progress.answers:
                rows.append(
                    {
                        "checkin_id": checkin.id,
                        "question": question.key,
                        "prompt": question.prompt.get("en", ""),
                        "kind": question.kind.value,
                        "answer": response.progress.answers[question.key],
                    }
                )
    return rows
