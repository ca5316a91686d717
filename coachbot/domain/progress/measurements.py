"""Logging measurements outside check-ins (`/log`), correcting or deleting recent ones,
and the metrics a coach defines for their clients."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.use_cases import answer_context
from coachbot.domain.goals.evaluation import record_progress
from coachbot.domain.people.model import Client, User
from coachbot.domain.progress import trends
from coachbot.domain.progress.errors import EntryNotFound, MetricNotFound
from coachbot.domain.progress.metrics import (
    CustomMetric,
    MetricDefinition,
    check_custom_metric,
    definition_of,
    definition_with,
    definitions_for,
)
from coachbot.domain.progress.pictures import local_today, own_client
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound, InvalidDetailError, NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

RECENT_ENTRIES = 8
CUSTOM_METRICS_MAX = 30


@dataclass(frozen=True)
class MetricChoices:
    client: Client
    user: User
    definitions: list[MetricDefinition]
    latest: dict[str, float]  # the last value of each metric logged so far


@dataclass(frozen=True, kw_only=True)
class ListMetrics:
    user_id: int


class ListMetricsUseCase:
    """What the person can log, with their last values."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListMetrics) -> MetricChoices:
        async with self._uow() as uow:
            client = await own_client(uow, cmd.user_id)
            user = await uow.users.get(cmd.user_id)
            assert user is not None and client.id is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            latest = {e.metric: e.value for e in await uow.metrics.list_all(client.id)}
        return MetricChoices(client, user, definitions_for(client.id, custom), latest)


@dataclass(frozen=True, kw_only=True)
class LogMetric:
    user_id: int
    metric: str
    text: str  # as typed: "72.5", "160 lb", "5'11"


@dataclass(frozen=True)
class MetricLogged:
    entry: MetricEntry
    definition: MetricDefinition
    user: User
    previous: float | None  # the value logged before this one
    average: float | None  # the 7-day average now


class LogMetricUseCase:
    """Read and check the value (its range, the person's units), store it in SI units,
    then see what it means for the client's goals and badges."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: LogMetric) -> MetricLogged:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await own_client(uow, cmd.user_id)
            user = await uow.users.get(cmd.user_id)
            assert user is not None and client.id is not None
            definition = await _definition(uow, client, cmd.metric)
            value = definition.read(cmd.text, answer_context(user, local_today(now, user.timezone)))
            before = await uow.metrics.list_for_client(client.id, definition.key)
            entry = await uow.metrics.add(
                MetricEntry(
                    client_id=client.id,
                    metric=definition.key,
                    value=value,
                    measured_at=now,
                    created_at=now,
                    source="log",
                )
            )
            await record_progress(uow, client, now)
            await uow.commit()
        points = [(e.measured_at, e.value) for e in [*before, entry]]
        average = trends.moving_average(points)[-1][1]
        previous = before[-1].value if before else None
        return MetricLogged(entry, definition, user, previous, average)


async def _definition(uow: UnitOfWork, client: Client, metric: str) -> MetricDefinition:
    custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
    found = definition_with(definitions_for(client.id or 0, custom), metric)
    if found is None:
        raise MetricNotFound()
    return found


@dataclass(frozen=True)
class RecentEntry:
    entry: MetricEntry
    definition: MetricDefinition | None


@dataclass(frozen=True, kw_only=True)
class ListRecentEntries:
    user_id: int


@dataclass(frozen=True)
class RecentEntries:
    user: User
    entries: list[RecentEntry]  # newest first


class ListRecentEntriesUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListRecentEntries) -> RecentEntries:
        async with self._uow() as uow:
            client = await own_client(uow, cmd.user_id)
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            entries = await uow.metrics.recent(client.id or 0, limit=RECENT_ENTRIES)
        return RecentEntries(
            user, [RecentEntry(e, definition_of(e.metric, custom)) for e in entries]
        )


@dataclass(frozen=True, kw_only=True)
class ChangeEntry:
    """`text` None deletes the entry; otherwise it is the corrected value."""

    user_id: int
    entry_id: int
    text: str | None = None


@dataclass(frozen=True)
class EntryChanged:
    entry: MetricEntry
    definition: MetricDefinition | None
    user: User
    deleted: bool


class ChangeEntryUseCase:
    """Correct or delete one of the person's own measurements (a typo, a wrong scale)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ChangeEntry) -> EntryChanged:
        now = self._clock.now()
        async with self._uow() as uow:
            entry = await uow.metrics.get(cmd.entry_id)
            clients = {c.id: c for c in await uow.clients.list_for_user(cmd.user_id)}
            if entry is None or entry.client_id not in clients:
                raise EntryNotFound()
            client = clients[entry.client_id]
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            definition = definition_of(entry.metric, custom)
            if cmd.text is None:
                await uow.metrics.delete(cmd.entry_id)
            else:
                if definition is None:
                    raise MetricNotFound()
                context = answer_context(user, local_today(now, user.timezone))
                entry.value = definition.read(cmd.text, context)
                await uow.metrics.update(entry)
                await record_progress(uow, client, now)
            await uow.commit()
        return EntryChanged(entry, definition, user, deleted=cmd.text is None)


# -- the coach's own metrics ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DefineCustomMetric:
    coach_id: int | None
    name: str
    unit: str
    minimum: float
    maximum: float
    client_id: int | None = None  # None: for all the coach's clients


class DefineCustomMetricUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: DefineCustomMetric) -> CustomMetric:
        if cmd.coach_id is None:
            raise NotAllowedError()
        name, unit = check_custom_metric(cmd.name, cmd.unit, cmd.minimum, cmd.maximum)
        async with self._uow() as uow:
            if cmd.client_id is not None:
                client = await uow.clients.get(cmd.client_id)
                if client is None or client.coach_id != cmd.coach_id:
                    raise ClientNotFound()
            existing = list(await uow.custom_metrics.list_for_coach(cmd.coach_id))
            if sum(not m.archived for m in existing) >= CUSTOM_METRICS_MAX:
                raise InvalidDetailError("metric", "too_many")
            if any(m.name.casefold() == name.casefold() and not m.archived for m in existing):
                raise InvalidDetailError("name", "taken")
            metric = await uow.custom_metrics.add(
                CustomMetric(
                    coach_id=cmd.coach_id,
                    name=name,
                    unit=unit,
                    minimum=cmd.minimum,
                    maximum=cmd.maximum,
                    created_at=self._clock.now(),
                    client_id=cmd.client_id,
                    decimals=_decimals(cmd.minimum, cmd.maximum),
                )
            )
            await uow.commit()
        return metric


def _decimals(minimum: float, maximum: float) -> int:
    """Whole numbers for wide ranges (steps: 0 to 50000), tenths for narrow ones."""
    return 0 if maximum - minimum >= 1000 else 1 if maximum - minimum >= 10 else 2


@dataclass(frozen=True, kw_only=True)
class ListCustomMetrics:
    coach_id: int | None


@dataclass(frozen=True)
class CustomMetricsView:
    metrics: list[CustomMetric]  # not archived
    client_names: dict[int, str]  # for metrics of one client


class ListCustomMetricsUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListCustomMetrics) -> CustomMetricsView:
        if cmd.coach_id is None:
            raise NotAllowedError()
        async with self._uow() as uow:
            found = list(await uow.custom_metrics.list_for_coach(cmd.coach_id))
            names = {
                c.id or 0: c.display_name for c in await uow.clients.list_for_coach(cmd.coach_id)
            }
        return CustomMetricsView([m for m in found if not m.archived], names)


@dataclass(frozen=True, kw_only=True)
class ArchiveCustomMetric:
    coach_id: int | None
    metric_id: int


class ArchiveCustomMetricUseCase:
    """Clients stop seeing it in /log; what they logged stays (charts, exports)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ArchiveCustomMetric) -> CustomMetric:
        async with self._uow() as uow:
            metric = await uow.custom_metrics.get(cmd.metric_id)
            if metric is None or cmd.coach_id is None or metric.coach_id != cmd.coach_id:
                raise MetricNotFound()
            metric.archived = True
            await uow.custom_metrics.update(metric)
            await uow.commit()
        return metric
