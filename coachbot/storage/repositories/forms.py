"""Form templates (versioned JSON) and responses (progress saved after every answer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.forms.templates import FormTemplate
from coachbot.storage.repositories._mapping import as_utc, rowcount
from coachbot.storage.repositories.outbox import insert_ignoring_conflicts
from coachbot.storage.tables import FormResponseRow, FormTemplateRow

# Template versions never change once stored: each is parsed once per database (engine),
# by row id. Row ids mean nothing across databases, hence one cache per engine.
_PARSED_TEMPLATES: WeakKeyDictionary[Engine, dict[int, FormTemplate]] = WeakKeyDictionary()
_PARSED_TEMPLATES_MAX = 1024


# Built once: every answer to a question reads and writes its response.
_RESPONSE = select(FormResponseRow).where(FormResponseRow.id == bindparam("rid"))
# PostgreSQL locks the row; SQLite's write transaction is already exclusive.
_RESPONSE_LOCKED = _RESPONSE.with_for_update()
_RESPONSES = cast(Table, FormResponseRow.__table__)
_SAVE_RESPONSE = (
    update(_RESPONSES)
    .where(_RESPONSES.c.id == bindparam("rid"))
    .values(
        status=bindparam("status_"),
        progress=bindparam("progress_"),
        updated_at=bindparam("updated_at_"),
        completed_at=bindparam("completed_at_"),
    )
)


class SqlFormRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_template(self, template: FormTemplate, *, now: datetime) -> bool:
        result = await self._session.execute(
            insert_ignoring_conflicts(self._session, FormTemplateRow)
            .values(
                key=template.key,
                version=template.version,
                content=template.to_data(),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key", "version"])
        )
        return rowcount(result) == 1

    async def latest_template(self, key: str) -> tuple[int, FormTemplate] | None:
        row = await self._session.scalar(
            select(FormTemplateRow)
            .where(FormTemplateRow.key == key)
            .order_by(FormTemplateRow.version.desc())
            .limit(1)
        )
        return (row.id, self._parsed(row)) if row else None

    async def add_response(self, response: FormResponse) -> FormResponse:
        row = FormResponseRow(
            template_id=response.template_id,
            user_id=response.user_id,
            purpose=response.purpose,
            status=response.status.value,
            progress=response.progress.to_data(),
            started_at=response.started_at,
            updated_at=response.updated_at,
            completed_at=response.completed_at,
        )
        self._session.add(row)
        await self._session.flush()
        response.id = row.id
        return response

    async def get_response(
        self, response_id: int, *, for_update: bool = False
    ) -> FormResponse | None:
        query = _RESPONSE_LOCKED if for_update else _RESPONSE
        row = await self._session.scalar(query, {"rid": response_id})
        return None if row is None else await self._response(row)

    async def open_response(self, *, user_id: int, purpose: str) -> FormResponse | None:
        return await self._one(
            FormResponseRow.user_id == user_id,
            FormResponseRow.purpose == purpose,
            FormResponseRow.status == ResponseStatus.in_progress.value,
        )

    async def save_response(self, response: FormResponse) -> None:
        await self._session.execute(
            _SAVE_RESPONSE,
            {
                "rid": response.id,
                "status_": response.status.value,
                "progress_": response.progress.to_data(),
                "updated_at_": response.updated_at,
                "completed_at_": response.completed_at,
            },
        )

    async def has_completed(self, *, user_id: int, purpose: str) -> bool:
        found = await self._session.scalar(
            select(FormResponseRow.id).where(
                FormResponseRow.user_id == user_id,
                FormResponseRow.purpose == purpose,
                FormResponseRow.status == ResponseStatus.completed.value,
            )
        )
        return found is not None

    async def completed_answers(self, *, user_id: int, purpose: str) -> dict[str, Any] | None:
        response = await self.completed_response(user_id=user_id, purpose=purpose)
        return dict(response.progress.answers) if response else None

    async def completed_response(self, *, user_id: int, purpose: str) -> FormResponse | None:
        return await self._one(
            FormResponseRow.user_id == user_id,
            FormResponseRow.purpose == purpose,
            FormResponseRow.status == ResponseStatus.completed.value,
        )

    async def last_activity(self, *, user_id: int) -> datetime | None:
        latest = await self._session.scalar(
            select(func.max(FormResponseRow.updated_at)).where(FormResponseRow.user_id == user_id)
        )
        return as_utc(latest)

    async def _one(self, *conditions) -> FormResponse | None:
        query = select(FormResponseRow).where(*conditions).order_by(FormResponseRow.id.desc())
        row = await self._session.scalar(query.limit(1))
        return None if row is None else await self._response(row)

    async def get_responses(self, response_ids: Sequence[int]) -> Sequence[FormResponse]:
        if not response_ids:
            return []
        rows = await self._session.scalars(
            select(FormResponseRow).where(FormResponseRow.id.in_(response_ids))
        )
        return [await self._response(row) for row in rows]

    async def _response(self, row: FormResponseRow) -> FormResponse:
        return FormResponse(
            id=row.id,
            template_id=row.template_id,
            template=await self._template(row.template_id),
            user_id=row.user_id,
            purpose=row.purpose,
            status=ResponseStatus(row.status),
            progress=FormProgress.from_data(row.progress),
            started_at=as_utc(row.started_at),
            updated_at=as_utc(row.updated_at),
            completed_at=as_utc(row.completed_at),
        )

    async def _template(self, template_id: int) -> FormTemplate:
        parsed = self._parsed_templates()
        if template_id in parsed:
            return parsed[template_id]
        return self._parsed(await self._session.get_one(FormTemplateRow, template_id))

    def _parsed(self, row: FormTemplateRow) -> FormTemplate:
        parsed = self._parsed_templates()
        template = parsed.get(row.id)
        if template is None:
            template = FormTemplate.from_data(row.content)
            if len(parsed) >= _PARSED_TEMPLATES_MAX:
                parsed.clear()
            parsed[row.id] = template
        return template

    def _parsed_templates(self) -> dict[int, FormTemplate]:
        engine = self._session.get_bind().engine
        return _PARSED_TEMPLATES.setdefault(engine, {})
