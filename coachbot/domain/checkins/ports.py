"""Where check-ins and their photos are kept, and how photos are processed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from coachbot.domain.checkins.model import (
    Checkin,
    CheckinPlan,
    CheckinTemplate,
    Photo,
    ThreadMessage,
)
from coachbot.domain.checkins.photos import ProcessedPhoto
from coachbot.domain.people.model import Client, Coach, User


@dataclass(frozen=True)
class DuePlan:
    """A plan whose next check-in is due, read with what opening it needs."""

    plan: CheckinPlan
    client: Client
    user: User | None  # None: the client has no Telegram user (any more)
    coach: Coach
    coach_user: User
    form_key: str  # the template's form


@dataclass(frozen=True)
class DueFollowUp:
    """An open check-in whose next follow-up is due, read with its people."""

    checkin: Checkin
    client: Client
    user: User
    coach: Coach
    coach_user: User


class CheckinRepository(Protocol):
    async def add_template(self, template: CheckinTemplate) -> CheckinTemplate: ...
    async def get_template(self, template_id: int) -> CheckinTemplate | None: ...
    async def list_templates(self, coach_id: int) -> Sequence[CheckinTemplate]: ...
    async def update_template(self, template: CheckinTemplate) -> None: ...
    async def get_plan(self, client_id: int) -> CheckinPlan | None: ...
    async def save_plan(self, plan: CheckinPlan) -> None: ...
    async def due_plan_batch(
        self, *, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[DuePlan]:
        """Active plans with a next due time by `now`, earliest first (by due time, then
        client id), whatever their client's state (the tick stops the plans of clients who
        cannot check in); with `after`, only those after that (due time, client id)."""
        ...

    async def set_next_due(self, next_due: Mapping[int, datetime | None], *, now: datetime) -> None:
        """Move plans (by client id) to their next due time, in one statement."""
        ...

    async def add(self, checkin: Checkin) -> Checkin: ...
    async def add_many(self, checkins: Sequence[Checkin]) -> Sequence[Checkin]:
        """Store new check-ins in one statement, skipping any already there (same client
        and due time); returns those stored, with their ids."""
        ...

    async def save_follow_ups(self, checkins: Sequence[Checkin]) -> None:
        """Write the follow-up fields (status, nudged, missed, closed, next action) of
        these check-ins, in one statement."""
        ...

    async def follow_up_batch(self, *, now: datetime, limit: int) -> Sequence[DueFollowUp]:
        """Open check-ins whose next follow-up is due by `now`, earliest first."""
        ...

    async def reschedule_follow_ups(self, coach_id: int) -> None:
        """The coach's rules changed: their open check-ins' follow-ups are due for a
        fresh look (the tick sets each one's next time from the new rules)."""
        ...

    async def open_for_clients(self, client_ids: Sequence[int]) -> Sequence[Checkin]: ...
    async def recent_for_clients(
        self, client_ids: Sequence[int], *, limit: int
    ) -> Mapping[int, Sequence[Checkin]]:
        """Each client's last `limit` check-ins, newest first."""
        ...

    async def get(self, checkin_id: int) -> Checkin | None: ...
    async def save(self, checkin: Checkin) -> None: ...
    async def open_for_client(self, client_id: int) -> Checkin | None: ...
    async def recent_for_client(self, client_id: int, *, limit: int) -> Sequence[Checkin]:
        """Newest first."""
        ...

    async def previous_submitted(self, checkin: Checkin) -> Checkin | None:
        """The client's last check-in submitted before this one was due."""
        ...

    async def review_queue(
        self, coach_id: int, *, limit: int, after: Checkin | None = None
    ) -> Sequence[Checkin]:
        """Submitted check-ins waiting for review, oldest submitted first (ties by id);
        with `after`, those after its place in that order (keyset)."""
        ...

    async def count_review_queue(self, coach_id: int) -> int: ...
    async def add_message(self, message: ThreadMessage) -> ThreadMessage: ...
    async def list_messages(self, checkin_id: int) -> Sequence[ThreadMessage]: ...
    async def messages_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[ThreadMessage]:
        """The threads of these check-ins in one read, each in the order it was written."""
        ...


class PhotoRepository(Protocol):
    async def add(self, photo: Photo) -> Photo: ...
    async def get(self, photo_id: int) -> Photo | None: ...
    async def list(self, photo_ids: Sequence[int]) -> Sequence[Photo]: ...
    async def attach(self, photo_ids: Sequence[int], *, checkin_id: int) -> None: ...
    async def list_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[Photo]:
        """The photos of these check-ins, each check-in's in the order they were sent."""
        ...


class PhotoProcessor(Protocol):
    def process(self, data: bytes) -> ProcessedPhoto:
        """Decode, check and re-encode an uploaded photo; raises `InvalidPhoto`.
        CPU-bound: callers run it in a thread (`asyncio.to_thread`)."""
        ...


class BlobStore(Protocol):
    """Opaque binary files (photos), encrypted at rest."""

    async def put(self, data: bytes) -> str:
        """Store `data` and return a new opaque key."""
        ...

    async def get(self, key: str) -> bytes:
        """The stored bytes; `KeyError` for an unknown key."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is fine."""
        ...
