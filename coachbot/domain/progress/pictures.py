"""Seeing progress: a metric's chart with its trend and the multi-metric panel (photo
comparisons are in `photos`). A client sees their own; a coach sees their clients'.

Charts are cached by a key built from the client, the metric, the last entry and a
digest of everything drawn (entries, goal, view, day), so an unchanged chart is drawn
once; rendering runs away from the event loop (the renderer's render processes). The
whole picture (image, trends, buttons) is cached too, by the client's data version, so
showing it again reads no entries.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import Goal, GoalStatus
from coachbot.domain.people.model import Client, ClientStatus, User
from coachbot.domain.progress import trends
from coachbot.domain.progress.metrics import (
    CUSTOM_PREFIX,
    PANEL_METRICS,
    CustomMetric,
    MetricDefinition,
    builtin_definition,
    definition_of,
    display_order,
)
from coachbot.domain.progress.ports import ChartCache, ChartRenderer
from coachbot.domain.progress.views import ChartPanel, MetricChart, MetricSeries, Trends, Viewpoint
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

PANEL = "panel"
CLIENT_PREFERENCE = (ClientStatus.active, ClientStatus.paused, ClientStatus.onboarding)


# -- who may see whose progress ------------------------------------------------------


async def own_client(uow: UnitOfWork, user_id: int) -> Client:
    """The person's client record: their active coaching first (a person is rarely the
    client of two coaches)."""
    clients = [c for c in await uow.clients.list_for_user(user_id) if c.status in CLIENT_PREFERENCE]
    if not clients:
        raise ClientNotFound()
    return min(clients, key=lambda c: (CLIENT_PREFERENCE.index(c.status), -(c.id or 0)))


async def visible_client(
    uow: UnitOfWork, *, user_id: int, coach_id: int | None, client_id: int | None
) -> Client:
    """`client_id` None: the person's own record. Otherwise the client must be the
    person themselves or one of their coaching clients (ids are never trusted alone)."""
    if client_id is None:
        return await own_client(uow, user_id)
    client = await uow.clients.get(client_id)
    if client is None:
        raise ClientNotFound()
    if client.user_id == user_id or (coach_id is not None and client.coach_id == coach_id):
        return client
    raise ClientNotFound()


def viewpoint(user: User) -> Viewpoint:
    return Viewpoint(user.language, UnitSystem(user.units), user.timezone)


async def viewer_and_client_user(
    uow: UnitOfWork, user_id: int, client: Client
) -> tuple[User, User | None]:
    viewer = await uow.users.get(user_id)
    assert viewer is not None
    if client.user_id == user_id:
        return viewer, viewer
    return viewer, await uow.users.get(client.user_id) if client.user_id else None


# -- series ----------------------------------------------------------------------------


def goal_for(goals: Sequence[Goal], metric: str) -> Goal | None:
    """The goal a metric's chart shows: the active one, else the latest reached."""
    mine = [g for g in goals if g.metric == metric and g.target_value is not None]
    active = [g for g in mine if g.status == GoalStatus.active]
    achieved = [g for g in mine if g.status == GoalStatus.achieved]
    found = active or achieved
    return found[-1] if found else None


def build_series(
    entries: Sequence[MetricEntry],
    definition: MetricDefinition,
    goal: Goal | None,
    now: datetime,
    timezone: str = "UTC",
) -> MetricSeries:
    """`timezone` decides which entries share a day (the average takes one per day)."""
    points = tuple((e.measured_at, e.value) for e in entries)
    average = tuple(trends.moving_average(trends.daily_means(points, timezone)))
    rate = trends.weekly_rate(points, now)
    target = goal.target_value if goal is not None else None
    projection = None
    if target is not None and goal is not None and goal.active:
        projection = trends.projection(average, rate, target)
    return MetricSeries(
        definition=definition,
        points=points,
        average=average,
        goal=target,
        target_date=goal.target_date if goal is not None else None,
        start_value=goal.start_value if goal is not None else None,
        projection=projection,
        weekly_rate=rate,
    )


def by_metric(entries: Sequence[MetricEntry]) -> dict[str, list[MetricEntry]]:
    grouped: dict[str, list[MetricEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.metric].append(entry)
    return grouped


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def month_comparison(points: Sequence[trends.Point], now: datetime, timezone: str):
    """This calendar month (so far) against the previous one, in local time."""
    zone = ZoneInfo(timezone)
    first = local_today(now, timezone).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    before = datetime.combine(previous, datetime.min.time(), tzinfo=zone)
    return trends.PeriodComparison(
        current=trends.period_stats(points, start, now + timedelta(seconds=1)),
        previous=trends.period_stats(points, before, start),
    )


async def cohort_rates(uow: UnitOfWork, coach_id: int, metric: str, now: datetime) -> list[float]:
    """(client id, weekly rate) of the coach's active clients with a trend, flattened."""
    active = [
        c.id
        for c in await uow.clients.list_for_coach(coach_id)
        if c.status is ClientStatus.active and c.id is not None
    ]
    if len(active) < trends.COHORT_MINIMUM:
        return []
    since = now - timedelta(days=trends.RATE_WINDOW_DAYS)
    entries = by_client(await uow.metrics.list_for_clients(active, metric, since=since))
    flat: list[float] = []
    for client_id, points in entries.items():
        rate = trends.weekly_rate([(e.measured_at, e.value) for e in points], now)
        if rate is not None:
            flat += [float(client_id), rate]
    return flat


def _pairs(flat: list[float]) -> list[tuple[int, float]]:
    return [(int(flat[i]), flat[i + 1]) for i in range(0, len(flat) - 1, 2)]


def by_client(entries: Sequence[MetricEntry]) -> dict[int, list[MetricEntry]]:
    grouped: dict[int, list[MetricEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.client_id].append(entry)
    return grouped


def chart_key(client_id: int, metric: str, entries: Sequence[MetricEntry], drawn: object) -> str:
    """Changes whenever the picture would: new, edited or deleted entries (their values
    and times), another goal, language, units, time zone or day."""
    numbers = array("d")
    for entry in entries:
        numbers.extend((entry.id or 0, entry.value, entry.measured_at.timestamp()))
    digest = hashlib.blake2b(numbers.tobytes(), digest_size=16)
    digest.update(repr(drawn).encode())
    last = entries[-1].id if entries else 0
    return f"{client_id}:{metric}:{last}:{digest.hexdigest()}"


PICTURE_FORMAT = 1  # raised when what a cached picture holds changes shape


def picture_key(
    client: Client, metric: str | None, view: Viewpoint, home: str, now: datetime
) -> str:
    """Changes whenever the picture would: the client's data version (any entry, goal or
    custom metric changed), what was asked for, the viewer's language, units and time
    zone, the client's own time zone (months), and the day (trends, the cohort)."""
    parts = (
        "picture",
        PICTURE_FORMAT,
        client.id or 0,
        client.data_version,
        metric or "",
        view.language,
        view.units.value,
        view.timezone,
        home,
        local_today(now, view.timezone).isoformat(),
        now.date().isoformat(),
    )
    return ":".join(str(part) for part in parts)


def pack_picture(picture: ProgressPicture) -> bytes:
    """A picture for the cache, with only the last point of each series (all the
    captions and buttons need; the image is drawn already)."""
    trimmed = replace(
        picture,
        trends=replace(picture.trends, series=_last_points(picture.trends.series))
        if picture.trends is not None
        else None,
        panel=tuple(_last_points(series) for series in picture.panel),
        cached=False,
    )
    return pickle.dumps(trimmed, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_picture(data: bytes) -> ProgressPicture | None:
    """A cached picture, or None if it cannot be read (then it is drawn again)."""
    try:
        found = _PictureUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, AttributeError, EOFError, ImportError, TypeError, ValueError):
        return None
    return found if isinstance(found, ProgressPicture) else None


def _last_points(series: MetricSeries) -> MetricSeries:
    return replace(series, points=series.points[-1:], average=series.average[-1:])


class _PictureUnpickler(pickle.Unpickler):
    """Builds only the domain's own dataclasses and enums, the datetime types and time
    zones: a cache entry can never name any other callable."""

    def find_class(self, module: str, name: str) -> object:
        if module.startswith("coachbot.domain.") or module == "datetime":
            return super().find_class(module, name)
        if (module, name) == ("zoneinfo", "ZoneInfo"):
            return ZoneInfo
        if (module, name) == ("builtins", "getattr"):
            return _zone_loader  # a ZoneInfo is pickled as getattr(ZoneInfo, "_unpickle")
        raise pickle.UnpicklingError(f"{module}.{name} is not a picture's part")


def _zone_loader(owner: object, name: str) -> object:
    if owner is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"getattr({owner!r}, {name!r}) is not a picture's part")


# -- charts ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShowProgress:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None  # None: the person's own progress
    metric: str | None = None  # a metric's key or PANEL; None: weight, else the first measured
    # The viewer's language, units and time zone when the caller knows them already (the
    # bot read the user for this update); None: read them.
    view: Viewpoint | None = None


@dataclass(frozen=True)
class ProgressPicture:
    client: Client
    view: Viewpoint
    metric: str
    image: bytes | None  # None: nothing measured yet
    trends: Trends | None  # for one metric
    panel: tuple[MetricSeries, ...]  # for the panel
    measured: tuple[MetricDefinition, ...]  # metrics with entries, for the buttons
    cached: bool = False


class ShowProgressUseCase:
    """A progress picture, cached whole (image, trends, buttons) under the client's data
    version: a picture asked for again reads the client and the viewer, and nothing of
    the entries, goals or metrics it was drawn from."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, renderer: ChartRenderer, cache: ChartCache
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._renderer = renderer
        self._cache = cache

    async def __call__(self, cmd: ShowProgress) -> ProgressPicture:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            view, home = await self._viewpoints(uow, cmd, client)
            key = picture_key(client, cmd.metric, view, home, now)
            kept = await self._cache.get(key)
            if kept is not None and (picture := unpack_picture(kept)) is not None:
                return replace(picture, client=client, cached=True)
            picture, drawing = await self._gather(uow, client, view, home, cmd.metric, now)
        if drawing is not None:
            image, cached = await self._draw(*drawing)
            picture = replace(picture, image=image, cached=cached)
        await self._cache.put(key, pack_picture(picture))
        return picture

    async def _viewpoints(
        self, uow: UnitOfWork, cmd: ShowProgress, client: Client
    ) -> tuple[Viewpoint, str]:
        """The viewer's viewpoint and the client's own time zone (their months)."""
        own = client.user_id == cmd.user_id
        if cmd.view is not None:
            if own or client.user_id is None:
                return cmd.view, cmd.view.timezone
            client_user = await uow.users.get(client.user_id)
            return cmd.view, client_user.timezone if client_user else cmd.view.timezone
        viewer, client_user = await viewer_and_client_user(uow, cmd.user_id, client)
        view = viewpoint(viewer)
        return view, client_user.timezone if client_user else view.timezone

    async def _gather(
        self,
        uow: UnitOfWork,
        client: Client,
        view: Viewpoint,
        home: str,
        wanted: str | None,
        now: datetime,
    ) -> tuple[ProgressPicture, tuple | None]:
        """The picture without its image, and what to draw it with (None: nothing)."""
        entries = by_metric(await uow.metrics.list_all(client.id or 0))
        custom: list[CustomMetric] = []
        if any(key.startswith(CUSTOM_PREFIX) for key in [*entries, wanted or ""]):
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
        goals = await uow.goals.list_for_client(client.id or 0)
        measured = _measured(entries, custom)
        metric = wanted or _first_shown(entries, measured)
        if metric == PANEL:
            return self._panel(client, view, entries, goals, measured, now)
        definition = definition_of(metric, custom)
        found = entries.get(metric, [])
        if definition is None or not found:
            return ProgressPicture(client, view, metric, None, None, (), measured), None
        goal = goal_for(goals, metric)
        series = build_series(found, definition, goal, now, view.timezone)
        cohort = await self._cohort(uow, client, metric, series.weekly_rate, now)
        found_trends = Trends(series, month_comparison(series.points, now, home), cohort)
        chart = MetricChart(series, view, local_today(now, view.timezone))
        key = chart_key(client.id or 0, metric, found, (goal, view, chart.today))
        picture = ProgressPicture(client, view, metric, None, found_trends, (), measured)
        return picture, (key, self._renderer.metric_chart, chart)

    def _panel(
        self, client, view, entries, goals, measured, now
    ) -> tuple[ProgressPicture, tuple | None]:
        series = tuple(
            build_series(
                entries[m.value],
                builtin_definition(m),
                goal_for(goals, m.value),
                now,
                view.timezone,
            )
            for m in PANEL_METRICS
            if entries.get(m.value)
        )
        if not series:
            return ProgressPicture(client, view, PANEL, None, None, (), measured), None
        panel = ChartPanel(series, view, local_today(now, view.timezone))
        drawn = [e for m in PANEL_METRICS for e in entries.get(m.value, [])]
        goals_drawn = [goal_for(goals, m.value) for m in PANEL_METRICS]
        key = chart_key(client.id or 0, PANEL, drawn, (goals_drawn, view, panel.today))
        picture = ProgressPicture(client, view, PANEL, None, None, series, measured)
        return picture, (key, self._renderer.panel_chart, panel)

    async def _cohort(
        self, uow: UnitOfWork, client: Client, metric: str, own: float | None, now: datetime
    ) -> trends.CohortSummary | None:
        """The cohort's quartiles, worked out once a day per coach and metric (they move
        slowly, and cost a read of every client's entries); the client's own rate is
        always current."""
        key = f"cohort:{client.coach_id}:{metric}:{now.date().isoformat()}"
        if (kept := await self._cache.get(key)) is not None:
            rates = [float(rate) for rate in kept.decode().split()]
        else:
            rates = await cohort_rates(uow, client.coach_id, metric, now)
            await self._cache.put(key, " ".join(repr(rate) for rate in rates).encode())
        others = [rate for client_id, rate in _pairs(rates) if client_id != client.id]
        return trends.cohort_summary([*others, *([own] if own is not None else [])], own)

    async def _draw(self, key: str, render, chart) -> tuple[bytes, bool]:
        cached = await self._cache.get(key)
        if cached is not None:
            return cached, True
        image = await render(chart)
        await self._cache.put(key, image)
        return image, False


def _first_shown(
    entries: dict[str, list[MetricEntry]], measured: Sequence[MetricDefinition]
) -> str:
    """Weight, or the first metric measured when there is no weight yet."""
    if Metric.weight.value in entries or not measured:
        return Metric.weight.value
    return measured[0].key


def _measured(
    entries: dict[str, list[MetricEntry]], custom: list[CustomMetric]
) -> tuple[MetricDefinition, ...]:
    found = [definition_of(metric, custom) for metric in sorted(entries, key=display_order)]
    return tuple(d for d in found if d is not None)
