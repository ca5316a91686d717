"""Where form templates and responses are kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.forms.templates import FormTemplate


class FormRepository(Protocol):
    async def add_template(self, template: FormTemplate, *, now: datetime) -> bool:
        """Store a template version unless it exists (versions never change)."""
        ...

    async def latest_template(self, key: str) -> tuple[int, FormTemplate] | None: ...
    async def add_response(self, response: FormResponse) -> FormResponse: ...
    async def get_response(
        self, response_id: int, *, for_update: bool = False
    ) -> FormResponse | None: ...
    async def get_responses(self, response_ids: Sequence[int]) -> Sequence[FormResponse]:
        """The responses with these ids (in no particular order), in one read."""
        ...

    async def open_response(self, *, user_id: int, purpose: str) -> FormResponse | None: ...
    async def save_response(self, response: FormResponse) -> None: ...
    async def has_completed(self, *, user_id: int, purpose: str) -> bool: ...
    async def completed_answers(self, *, user_id: int, purpose: str) -> dict[str, Any] | None:
        """The answers of the latest completed response for `purpose`, if any."""
        ...

    async def completed_response(self, *, user_id: int, purpose: str) -> FormResponse | None:
        """The latest completed response for `purpose`, if any."""
        ...

    async def last_activity(self, *, user_id: int) -> datetime | None:
        """When the person last answered anything."""
        ...


class TimeZones(Protocol):
    def zone_at(self, latitude: float, longitude: float) -> str | None:
        """The IANA time zone at a place; None at sea or where none is known."""
        ...
