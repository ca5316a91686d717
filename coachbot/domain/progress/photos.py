"""Two check-ins' photos side by side: the check-ins that have photos, and the comparison
picture (composed in a worker thread). A client sees their own; a coach sees their
clients'. Also the photos and thread messages of check-ins, for reports and exports."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from coachbot.domain.checkins.model import Checkin, CheckinStatus, Photo, ThreadMessage
from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.forms.units import Metric
from coachbot.domain.people.model import Client
from coachbot.domain.progress.metrics import builtin_definition
from coachbot.domain.progress.pictures import viewer_and_client_user, viewpoint, visible_client
from coachbot.domain.progress.ports import PhotoComparer
from coachbot.domain.progress.views import ComparisonSide, PhotoComparison, Viewpoint
from coachbot.domain.shared.errors import ClientNotFound, DomainError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

RECENT_CHECKINS = 500


class NotEnoughPhotos(DomainError):
    """Comparing needs two check-ins with photos."""


@dataclass(frozen=True)
class PhotoCheckin:
    checkin_id: int
    taken: datetime
    blob_keys: tuple[str, ...] = field(repr=False)  # its photos, in the order they were sent

    @property
    def photos(self) -> int:
        return len(self.blob_keys)


@dataclass(frozen=True, kw_only=True)
class ListPhotoCheckins:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class PhotoCheckins:
    client: Client
    view: Viewpoint
    checkins: list[PhotoCheckin]  # oldest first


class ListPhotoCheckinsUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListPhotoCheckins) -> PhotoCheckins:
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            viewer = await uow.users.get(cmd.user_id)
            assert viewer is not None
            found = await photo_checkins(uow, client)
        return PhotoCheckins(client, viewpoint(viewer), found)


async def photo_checkins(uow: UnitOfWork, client: Client) -> list[PhotoCheckin]:
    submitted = [
        c
        for c in await uow.checkins.recent_for_client(client.id or 0, limit=RECENT_CHECKINS)
        if c.submitted_at is not None and c.status is not CheckinStatus.open
    ]
    photos = await photos_by_checkin(uow, submitted)
    found = [
        PhotoCheckin(c.id or 0, c.submitted_at or c.due_at, tuple(p.blob_key for p in photos[c.id]))
        for c in submitted
        if c.id in photos
    ]
    return sorted(found, key=lambda c: c.taken)


async def photos_by_checkin(uow: UnitOfWork, checkins: Sequence[Checkin]) -> dict[int, list[Photo]]:
    """The photos of each of `checkins` that has any, in the order they were sent."""
    return _by_checkin(await uow.photos.list_for_checkins(_ids(checkins)))


async def threads_in_order(uow: UnitOfWork, checkins: Sequence[Checkin]) -> list[ThreadMessage]:
    """The thread messages of `checkins`, check-in by check-in in the order given."""
    threads = _by_checkin(await uow.checkins.messages_for_checkins(_ids(checkins)))
    return [message for c in checkins for message in threads.get(c.id or 0, [])]


_OfCheckin = TypeVar("_OfCheckin", Photo, ThreadMessage)


def _ids(checkins: Sequence[Checkin]) -> list[int]:
    return [c.id for c in checkins if c.id is not None]


def _by_checkin(items: Iterable[_OfCheckin]) -> dict[int, list[_OfCheckin]]:
    found: dict[int, list[_OfCheckin]] = defaultdict(list)
    for item in items:
        found[item.checkin_id or 0].append(item)
    return dict(found)


@dataclass(frozen=True, kw_only=True)
class ComparePhotos:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None
    before_id: int | None = None  # None: the first check-in with photos
    after_id: int | None = None  # None: the latest


@dataclass(frozen=True)
class PhotoComparisonPicture:
    client: Client
    image: bytes
    before: PhotoCheckin
    after: PhotoCheckin
    protect: bool  # no forwarding or saving unless the client allowed it


class ComparePhotosUseCase:
    def __init__(self, uow: UnitOfWorkFactory, blobs: BlobStore, comparer: PhotoComparer) -> None:
        self._uow = uow
        self._blobs = blobs
        self._comparer = comparer

    async def __call__(self, cmd: ComparePhotos) -> PhotoComparisonPicture:
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            viewer, client_user = await viewer_and_client_user(uow, cmd.user_id, client)
            checkins = await photo_checkins(uow, client)
            before, after = _pick(checkins, cmd.before_id, cmd.after_id)
            weights = {
                e.checkin_id: e.value
                for e in await uow.metrics.list_for_client(client.id or 0, Metric.weight.value)
                if e.checkin_id is not None
            }
        definition = builtin_definition(Metric.weight)
        sides = []
        for chosen in (before, after):
            images = tuple([await self._blobs.get(key) for key in chosen.blob_keys])
            sides.append(
                ComparisonSide(chosen.taken, images, weights.get(chosen.checkin_id), definition)
            )
        comparison = PhotoComparison(sides[0], sides[1], viewpoint(viewer))
        image = await asyncio.to_thread(self._comparer.compare, comparison)
        protect = not (client_user.allow_photo_forwarding if client_user else False)
        return PhotoComparisonPicture(client, image, before, after, protect)


def _pick(
    checkins: list[PhotoCheckin], before_id: int | None, after_id: int | None
) -> tuple[PhotoCheckin, PhotoCheckin]:
    by_id = {c.checkin_id: c for c in checkins}
    if len(checkins) < 2:
        raise NotEnoughPhotos()
    before = by_id.get(before_id) if before_id is not None else checkins[0]
    after = by_id.get(after_id) if after_id is not None else checkins[-1]
    if before is None or after is None:
        raise ClientNotFound()  # a check-in that is not this client's, or has no photos
    if before.checkin_id == after.checkin_id:
        raise NotEnoughPhotos()
    return (before, after) if before.taken <= after.taken else (after, before)
