"""The drawing under the progress charts (see `charts`): sizes and colours, the figure
and axes layout, the series, the axis ranges, ticks and styling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from coachbot.domain.progress.views import ChartPanel, MetricSeries, Viewpoint
from coachbot.reports.labels import day_month, month_name, month_year, number

DPI = 150
WIDTH_PX = 1080
METRIC_HEIGHT_PX = 900
PANEL_ROW_PX = 430
PANEL_EXTRA_PX = 190
TARGET_AHEAD_DAYS = 365  # a target date further than this is named, not drawn

INK = "#1d2733"
MUTED = "#5b6675"
GRID = "#e6e9ee"
ENTRY = "#8fb3de"
AVERAGE = "#1f5fae"
GOAL = "#1e9e5a"
TARGET = "#8a94a3"
PROJECTION = "#e07b1a"
PANEL_COLOURS = ("#1f5fae", "#7a3fb0", "#c2410c")

TITLE_PT = 17
SUBTITLE_PT = 11.5
TICK_PT = 11.5
LABEL_PT = 10.5


# -- figures -------------------------------------------------------------------


def metric_canvas(height_px: int) -> tuple[Figure, Axes]:
    figure = new_figure(height_px)
    top = 1 - 215 / height_px
    axes = figure.add_axes((0.125, 95 / height_px, 0.835, top - 95 / height_px))
    return figure, axes


def clear_chart(figure: Figure, axes: Axes) -> None:
    """Take the last chart's artists off a kept figure (its axes and ticks stay)."""
    for artist in [*axes.lines, *axes.texts, *figure.texts]:
        artist.remove()
    axes.set_ylabel("")


def new_figure(height_px: int) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def to_x(moment: datetime, view: Viewpoint) -> float:
    """A moment on the x axis, as a date in the viewer's time zone."""
    local = moment.astimezone(ZoneInfo(view.timezone)).replace(tzinfo=None)
    return float(date2num(local))


def draw_series(axes: Axes, series: MetricSeries, view: Viewpoint, *, colour: str):
    shown = series.definition.shown
    entries = axes.plot(
        _xs([t for t, _ in series.points], view),
        [shown(v, view.units) for _, v in series.points],
        ls="none",
        marker="o",
        ms=5.5,
        color=ENTRY if colour == AVERAGE else colour,
        alpha=1.0 if colour == AVERAGE else 0.35,
        mec="white",
        mew=0.8,
        gid="entries",
        zorder=4,
    )
    average = axes.plot(
        _xs([t for t, _ in series.average], view),
        [shown(v, view.units) for _, v in series.average],
        color=colour,
        lw=3.2,
        gid="average",
        zorder=5,
        solid_capstyle="round",
        solid_joinstyle="round",
    )
    return entries + average


def _xs(moments: Sequence[datetime], view: Viewpoint):
    """Many moments at once (one conversion call, not one per point)."""
    zone = ZoneInfo(view.timezone)
    return date2num([m.astimezone(zone).replace(tzinfo=None) for m in moments])


def y_values_of(series: MetricSeries, *, with_projection: bool = True) -> list[float]:
    values = [v for _, v in series.points]
    if series.goal is not None:
        values.append(series.goal)
    if with_projection and series.projection is not None:
        values += [series.projection[0][1], series.projection[1][1]]
    return values


def single_day_x(points: Sequence[tuple[datetime, float]], view: Viewpoint) -> float | None:
    """The x of the middle of the data when it all lies on one local day, else None."""
    xs = _xs([t for t, _ in points], view)
    if len(xs) == 0 or math.floor(min(xs)) != math.floor(max(xs)):
        return None
    return float(min(xs) + max(xs)) / 2


def metric_x_range(series: MetricSeries, view: Viewpoint, today: date) -> tuple[float, float]:
    first = to_x(series.points[0][0], view)
    centre = single_day_x(series.points, view)
    target = float(date2num(series.target_date)) if series.target_date is not None else None
    if centre is not None and series.projection is None and (target is None or target <= centre):
        return centre - 3.5, centre + 3.5  # one day of data: in the middle, under its date
    last = max(to_x(series.points[-1][0], view), float(date2num(today)))
    span = max(last - first, 7.0)
    # Look ahead as far as the data looks back (at least eight weeks, at most a year):
    # far enough to show where the trend leads, near enough to keep the data readable.
    horizon = last + min(max(span, 56.0), 365.0)
    end = last
    if series.projection is not None:
        end = max(end, min(to_x(series.projection[1][0], view), horizon))
    # The target date is drawn up to a year ahead, even past the projection's horizon.
    if target is not None and target <= last + TARGET_AHEAD_DAYS:
        end = max(end, target + 0.03 * span)
    width = max(end - first, 7.0)
    return first - 0.04 * width, end + 0.03 * width


def panel_x_range(panel: ChartPanel) -> tuple[float, float]:
    """The data of every row, up to today: a panel compares the past, it projects nothing."""
    xs = [to_x(t, panel.view) for series in panel.series for t, _ in series.points]
    first, last = min(xs), max(max(xs), float(date2num(panel.today)))
    if math.floor(first) == math.floor(last):  # one day of data: in the middle
        return (first + last) / 2 - 3.5, (first + last) / 2 + 3.5
    width = max(last - first, 7.0)
    return first - 0.04 * width, last + 0.04 * width


def style_axes(
    axes: Axes,
    series: MetricSeries,
    view: Viewpoint,
    x_range: tuple[float, float],
    *,
    y_values: Sequence[float],
    dates: bool = True,
    y_bins: int = 6,
    unit_label: bool = True,
    single_day: float | None = None,
) -> None:
    """`single_day`: the x of the only day with data, labelled right under it."""
    shown = [series.definition.shown(v, view.units) for v in y_values]
    low, high = min(shown), max(shown)
    pad = max((high - low) * 0.12, abs(high) * 0.01, 0.5)
    axes.set_ylim(low - pad, high + pad)
    axes.set_xlim(*x_range)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#b8c0cc")
    axes.grid(axis="y", color=GRID, lw=1.0, zorder=0)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=TICK_PT, colors=INK, length=4, width=1, color="#b8c0cc")
    axes.xaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_locator(MaxNLocator(nbins=y_bins, steps=[1, 2, 5, 10]))
    step = _tick_step(axes)
    decimals = next((d for d in range(3) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 2)
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _pos: number(value, view.language, decimals))
    )
    unit = series.definition.symbol(view.units)
    if unit and unit_label:
        axes.set_ylabel(unit, rotation=0, fontsize=TICK_PT, color=MUTED, ha="right", va="bottom")
        axes.yaxis.set_label_coords(0.0, 1.015)
    ticks, labels = _date_ticks(*x_range, view.language)
    if single_day is not None and x_range[1] - x_range[0] <= 7.0 + 1e-6:
        day = num2date(single_day).date()
        ticks, labels = [single_day], [day_month(day, view.language)]
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda _v, pos: labels[pos] if pos < len(labels) else "")
    )
    if not dates:
        axes.tick_params(axis="x", labelbottom=False)


def _tick_step(axes: Axes) -> float:
    low, high = axes.get_ylim()
    ticks = axes.yaxis.get_major_locator().tick_values(low, high)
    return float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0


DAY_STEPS = (1, 2, 3, 7, 14)


def _date_ticks(start: float, end: float, language: str) -> tuple[list[float], list[str]]:
    """Four to six readable dates: days or Mondays for short ranges, then months."""
    first, last = num2date(start).date(), num2date(end).date()
    span = (last - first).days
    if span <= 70:
        step = next((s for s in DAY_STEPS if span / s <= 6), 14)
        day = first + timedelta(days=1)
        if step >= 7:  # weeks start on Monday
            day += timedelta(days=(7 - day.weekday()) % 7)
        days = []
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
        return [float(date2num(d)) for d in days], [day_month(d, language) for d in days]
    months = span / 30.4
    step = max(1, math.ceil(months / 6))
    month = date(first.year, first.month, 1)
    found: list[date] = []
    while month <= last:
        if month > first and (month.month - 1) % step == 0:
            found.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    years = {d.year for d in found}
    label = month_year if len(years) > 1 else month_name
    return [float(date2num(d)) for d in found], [label(d, language) for d in found]
