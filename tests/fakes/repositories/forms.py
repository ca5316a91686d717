"""Form templates (versions never change) and responses, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.forms.templates import FormTemplate
from tests.fakes.database import FakeDatabase, TemplateRow
from tests.fakes.table import as_json

# The SQL repository's save_response writes only these columns.
_SAVED_FIELDS = ("status", "progress", "updated_at", "completed_at")


class FakeForms:
    def __init__(self, db: FakeDatabase) -> None:
        self._templates = db.form_templates
        self._responses = db.form_responses

    async def add_template(self, template: FormTemplate, *, now: datetime) -> bool:
        if self._templates.first(lambda r: (r.key, r.version) == (template.key, template.version)):
            return False
        self._templates.insert(TemplateRow(template.key, template.version, template, now))
        return True

    async def latest_template(self, key: str) -> tuple[int, FormTemplate] | None:
        row = self._templates.first(lambda r: r.key == key, order=lambda r: r.version, desc=True)
        return (row.id, row.template) if row else None  # type: ignore[return-value]

    async def add_response(self, response: FormResponse) -> FormResponse:
        stored = self._responses.insert(as_stored(response))
        response.id = stored.id
        return response

    async def get_response(
        self, response_id: int, *, for_update: bool = False
    ) -> FormResponse | None:
        return self._hydrated(self._responses.get(response_id))

    async def get_responses(self, response_ids: Sequence[int]) -> Sequence[FormResponse]:
        wanted = set(response_ids)
        return [self._hydrated(r) for r in self._responses.select(lambda r: r.id in wanted)]  # type: ignore[misc]

    async def open_response(self, *, user_id: int, purpose: str) -> FormResponse | None:
        return self._latest(user_id, purpose, ResponseStatus.in_progress)

    async def save_response(self, response: FormResponse) -> None:
        self._responses.update(as_stored(response), fields=_SAVED_FIELDS)

    async def has_completed(self, *, user_id: int, purpose: str) -> bool:
        return self._latest(user_id, purpose, ResponseStatus.completed) is not None

    async def completed_answers(self, *, user_id: int, purpose: str) -> dict[str, Any] | None:
        response = await self.completed_response(user_id=user_id, purpose=purpose)
        return dict(response.progress.answers) if response else None

    async def completed_response(self, *, user_id: int, purpose: str) -> FormResponse | None:
        return self._latest(user_id, purpose, ResponseStatus.completed)

    async def last_activity(self, *, user_id: int) -> datetime | None:
        mine = self._responses.select(lambda r: r.user_id == user_id)
        return max((r.updated_at for r in mine), default=None)

    def _latest(self, user_id: int, purpose: str, status: ResponseStatus) -> FormResponse | None:
        return self._hydrated(
            self._responses.first(
                lambda r: (r.user_id, r.purpose, r.status) == (user_id, purpose, status),
                desc=True,
            )
        )

    def _hydrated(self, response: FormResponse | None) -> FormResponse | None:
        """The template as stored under the response's template id (the SQL repository
        reads it from there, not from the response)."""
        if response is not None:
            row = self._templates.get(response.template_id)
            if row is None:
                raise LookupError(f"form template {response.template_id} does not exist")
            response.template = row.template
        return response


def as_stored(response: FormResponse) -> FormResponse:
    """The response as its JSON column gives it back (tuples become lists and so on)."""
    progress = FormProgress.from_data(as_json(response.progress.to_data()))
    return replace(response, progress=progress)
