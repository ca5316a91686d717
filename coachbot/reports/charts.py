"""Progress charts as PNG pictures made to be read on a phone.

matplotlib's object-oriented API on the Agg canvas: every chart is its own `Figure`,
pyplot's global state is never touched. The picture is 1080 px wide (a phone screen at
full resolution, what Telegram keeps of a photo), with type large enough to read when the
chat shows it at a third of that width. Dates are on the x axis, the unit sits on the y
axis, values are in the reader's units and language (Babel: "9. März", "72,5").

A metric chart shows the entries as dots, their 7-day moving average as a line, the goal
as a dashed line with its target date, and the projection to the goal at the current
weekly rate as a dotted line. A panel shows weight, waist and body fat above each other
on one time axis.

Speed: a chart is drawn once on a canvas of fixed layout (no tight_layout, which draws
twice), with few ticks (each tick is several artists), and encoded by Pillow as a palette
PNG (charts have few colours): about as fast as a bare matplotlib line chart, and a
quarter of the bytes. Renders run in a worker thread; a lock keeps matplotlib's shared
caches to one render at a time (rendering holds the GIL anyway).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator
from PIL import Image

from coachbot.domain.progress.views import ChartPanel, MetricChart, MetricSeries, Viewpoint
from coachbot.reports.labels import (
    N_,
    Translate,
    day_month,
    measure,
    metric_name,
    month_name,
    month_year,
    number,
    untranslated,
)

DPI = 150
WIDTH_PX = 1080
METRIC_HEIGHT_PX = 900
PANEL_ROW_PX = 430
PANEL_EXTRA_PX = 190
PALETTE_COLOURS = 96
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

_RENDER_LOCK = threading.Lock()


class MatplotlibChartRenderer:
    """`ChartRenderer` with matplotlib. CPU-bound: run it in a thread."""

    def __init__(self, translate: Translate = untranslated) -> None:
        self._t = translate
        # One figure per chart height, kept and cleared between charts: its axes and
        # ticks are built once (most of a chart's set-up time), only the data changes.
        self._kept: dict[int, tuple[Figure, Axes]] = {}

    # -- the port --------------------------------------------------------------------

    def metric_chart(self, chart: MetricChart, *, height_px: int = METRIC_HEIGHT_PX) -> bytes:
        with _RENDER_LOCK:
            if height_px not in self._kept:
                self._kept[height_px] = _metric_canvas(height_px)
            figure, axes = self._kept[height_px]
            try:
                self._compose(figure, axes, chart, height_px)
                return png(figure)
            finally:
                _clear(figure, axes)

    def panel_chart(self, panel: ChartPanel) -> bytes:
        with _RENDER_LOCK:
            return png(self.panel_figure(panel))

    # -- figures (tests look at their artists) ---------------------------------------

    def metric_figure(self, chart: MetricChart, *, height_px: int = METRIC_HEIGHT_PX) -> Figure:
        """A new figure of the chart (`metric_chart` draws the same on a kept one)."""
        figure, axes = _metric_canvas(height_px)
        self._compose(figure, axes, chart, height_px)
        return figure

    def _compose(self, figure: Figure, axes: Axes, chart: MetricChart, height_px: int) -> None:
        series, view = chart.series, chart.view
        self._title(figure, series, view, top_px=38, height_px=height_px)
        _draw_series(axes, series, view, colour=AVERAGE)
        x_range = _x_range(series, view, chart.today)
        self._draw_goal(axes, series, view, x_end=x_range[1])
        _style(
            axes,
            series,
            view,
            x_range,
            y_values=_y_values(series),
            single_day=_single_day(series.points, view),
        )
        if series.goal is not None:
            self._goal_label(axes, series, view, left=True)
        if series.projection is not None:
            self._projection_label(axes, series, view)

    def panel_figure(self, panel: ChartPanel) -> Figure:
        rows = len(panel.series)
        height_px = PANEL_ROW_PX * rows + PANEL_EXTRA_PX
        figure = _figure(height_px)
        view = panel.view
        title = self._t(view.language, N_("Your progress"))
        figure.text(
            0.04,
            1 - 34 / height_px,
            title,
            fontsize=TITLE_PT,
            fontweight="bold",
            color=INK,
            va="top",
        )
        figure.text(
            0.04,
            1 - 86 / height_px,
            self._t(view.language, N_("Lines: 7-day averages · dots: entries · dashes: goals")),
            fontsize=SUBTITLE_PT,
            color=MUTED,
            va="top",
        )
        x_range = _shared_x_range(panel)
        bottom, top = 70 / height_px, 1 - 150 / height_px
        row_height = (top - bottom) / rows
        for row, series in enumerate(panel.series):
            y0 = top - (row + 1) * row_height
            axes = figure.add_axes((0.125, y0 + 0.06 * row_height, 0.835, row_height * 0.74))
            colour = PANEL_COLOURS[row % len(PANEL_COLOURS)]
            _draw_series(axes, series, view, colour=colour)
            self._draw_goal(axes, series, view, with_date=False)
            _style(
                axes,
                series,
                view,
                x_range,
                y_values=_y_values(series, with_projection=False),
                dates=row == rows - 1,
                y_bins=4,
                unit_label=False,
                single_day=_single_day([p for row in panel.series for p in row.points], view),
            )
            axes.set_title(
                self._row_title(series, view),
                loc="left",
                fontsize=SUBTITLE_PT + 1,
                color=INK,
                fontweight="bold",
                pad=10,
            )
            if series.goal is not None:
                self._goal_label(axes, series, view)
        return figure

    def _projection_label(self, axes: Axes, series: MetricSeries, view: Viewpoint) -> None:
        """ "Projection: May 21" under the end of the dotted line, ending there: the line
        often ends near the right edge, where a centred label would be cut off."""
        assert series.projection is not None
        moment, value = series.projection[1]
        local = moment.astimezone(ZoneInfo(view.timezone)).date()
        text = self._t(view.language, N_("Projection: {date}")).format(
            date=day_month(local, view.language)
        )
        axes.annotate(
            text,
            xy=(_x(moment, view), series.definition.shown(value, view.units)),
            xytext=(0, -10 if series.goal is not None else 8),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=LABEL_PT,
            color=PROJECTION,
            annotation_clip=True,
            gid="projection-label",
        )

    def _goal_label(
        self, axes: Axes, series: MetricSeries, view: Viewpoint, *, left: bool = False
    ) -> None:
        """ "Goal 76.0 kg" on the goal line: at its right end in a panel, at its left end
        in a metric chart (the right end is where the projection meets it)."""
        goal = series.goal or 0.0
        text = self._t(view.language, N_("Goal {value}")).format(
            value=measure(goal, series.definition, view.units, view.language)
        )
        axes.annotate(
            text,
            xy=(0.0 if left else 1.0, series.definition.shown(goal, view.units)),
            xycoords=("axes fraction", "data"),
            xytext=(6 if left else -4, 5),
            textcoords="offset points",
            ha="left" if left else "right",
            va="bottom",
            fontsize=LABEL_PT,
            color=GOAL,
            gid="goal-label",
        )

    # -- texts -----------------------------------------------------------------------

    def _title(
        self, figure: Figure, series: MetricSeries, view: Viewpoint, *, top_px: int, height_px: int
    ) -> None:
        y = 1 - top_px / height_px
        name = metric_name(series.definition, self._t, view.language)
        figure.text(0.04, y, name, fontsize=TITLE_PT, fontweight="bold", color=INK, va="top")
        figure.text(
            0.04,
            y - 52 / height_px,
            self._subtitle(series, view),
            fontsize=SUBTITLE_PT,
            color=MUTED,
            va="top",
        )
        key = self._t(view.language, N_("Dots: entries · line: 7-day average"))
        figure.text(0.04, y - 90 / height_px, key, fontsize=LABEL_PT, color=MUTED, va="top")

    def _subtitle(self, series: MetricSeries, view: Viewpoint) -> str:
        language, definition = view.language, series.definition
        parts = []
        latest = series.latest_average
        if latest is not None:
            parts.append(
                self._t(language, N_("Now {value} (7-day average)")).format(
                    value=measure(latest, definition, view.units, language)
                )
            )
        if series.weekly_rate is not None:
            rate = measure(series.weekly_rate, definition, view.units, language, sign=True)
            parts.append(self._t(language, N_("{change} per week")).format(change=rate))
        return "  ·  ".join(parts)

    def _row_title(self, series: MetricSeries, view: Viewpoint) -> str:
        name = metric_name(series.definition, self._t, view.language)
        latest = series.latest_average
        if latest is None:
            return name
        return f"{name}  {measure(latest, series.definition, view.units, view.language)}"

    # -- goal, target date and projection --------------------------------------------

    def _draw_goal(
        self,
        axes: Axes,
        series: MetricSeries,
        view: Viewpoint,
        *,
        with_date: bool = True,
        x_end: float | None = None,
    ) -> list[Line2D]:
        lines: list[Line2D] = []
        if series.goal is not None:
            goal = series.definition.shown(series.goal, view.units)
            lines.append(axes.axhline(goal, color=GOAL, lw=2.2, ls=(0, (5, 3)), gid="goal"))
        if series.projection is not None and with_date:
            (start, end) = series.projection
            xs = [_x(start[0], view), _x(end[0], view)]
            ys = [series.definition.shown(v, view.units) for v in (start[1], end[1])]
            lines += axes.plot(
                xs,
                ys,
                color=PROJECTION,
                lw=2.6,
                ls=(0, (1, 1.6)),
                gid="projection",
                zorder=3,
                solid_capstyle="round",
            )
        if series.target_date is not None and with_date:
            x = date2num(series.target_date)
            label = self._t(view.language, N_("Target date {date}")).format(
                date=day_month(series.target_date, view.language)
            )
            if x_end is not None and x > x_end:  # too far to draw: point to it
                self._far_target_label(axes, label)
                return lines
            axes.axvline(x, color=TARGET, lw=1.4, ls="-", gid="target-date", zorder=1)
            axes.annotate(
                label,
                xy=(x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(-6, -6),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=LABEL_PT,
                color=MUTED,
                annotation_clip=True,
                gid="target-date-label",
            )
        return lines

    def _far_target_label(self, axes: Axes, label: str) -> None:
        """A target date over a year past the data: named at the right edge, with an
        arrow, rather than squeezing the data into a corner of the chart."""
        axes.annotate(
            f"{label} →",
            xy=(1.0, 1.0),
            xycoords="axes fraction",
            xytext=(-4, -6),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=LABEL_PT,
            color=MUTED,
            gid="target-date-label",
        )


# -- drawing helpers -------------------------------------------------------------------


def _metric_canvas(height_px: int) -> tuple[Figure, Axes]:
    figure = _figure(height_px)
    top = 1 - 215 / height_px
    axes = figure.add_axes((0.125, 95 / height_px, 0.835, top - 95 / height_px))
    return figure, axes


def _clear(figure: Figure, axes: Axes) -> None:
    """Take the last chart's artists off a kept figure (its axes and ticks stay)."""
    for artist in [*axes.lines, *axes.texts, *figure.texts]:
        artist.remove()
    axes.set_ylabel("")


def _figure(height_px: int) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _x(moment: datetime, view: Viewpoint) -> float:
    """A moment on the x axis, as a date in the viewer's time zone."""
    local = moment.astimezone(ZoneInfo(view.timezone)).replace(tzinfo=None)
    return float(date2num(local))


def _draw_series(axes: Axes, series: MetricSeries, view: Viewpoint, *, colour: str):
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


def _y_values(series: MetricSeries, *, with_projection: bool = True) -> list[float]:
    values = [v for _, v in series.points]
    if series.goal is not None:
        values.append(series.goal)
    if with_projection and series.projection is not None:
        values += [series.projection[0][1], series.projection[1][1]]
    return values


def _single_day(points: Sequence[tuple[datetime, float]], view: Viewpoint) -> float | None:
    """The x of the middle of the data when it all lies on one local day, else None."""
    xs = _xs([t for t, _ in points], view)
    if len(xs) == 0 or math.floor(min(xs)) != math.floor(max(xs)):
        return None
    return float(min(xs) + max(xs)) / 2


def _x_range(series: MetricSeries, view: Viewpoint, today: date) -> tuple[float, float]:
    first = _x(series.points[0][0], view)
    centre = _single_day(series.points, view)
    target = float(date2num(series.target_date)) if series.target_date is not None else None
    if centre is not None and series.projection is None and (target is None or target <= centre):
        return centre - 3.5, centre + 3.5  # one day of data: in the middle, under its date
    last = max(_x(series.points[-1][0], view), float(date2num(today)))
    span = max(last - first, 7.0)
    # Look ahead as far as the data looks back (at least eight weeks, at most a year):
    # far enough to show where the trend leads, near enough to keep the data readable.
    horizon = last + min(max(span, 56.0), 365.0)
    end = last
    if series.projection is not None:
        end = max(end, min(_x(series.projection[1][0], view), horizon))
    # The target date is drawn up to a year ahead, even past the projection's horizon.
    if target is not None and target <= last + TARGET_AHEAD_DAYS:
        end = max(end, target + 0.03 * span)
    width = max(end - first, 7.0)
    return first - 0.04 * width, end + 0.03 * width


def _shared_x_range(panel: ChartPanel) -> tuple[float, float]:
    """The data of every row, up to today: a panel compares the past, it projects nothing."""
    xs = [_x(t, panel.view) for series in panel.series for t, _ in series.points]
    first, last = min(xs), max(max(xs), float(date2num(panel.today)))
    if math.floor(first) == math.floor(last):  # one day of data: in the middle
        return (first + last) / 2 - 3.5, (first + last) / 2 + 3.5
    width = max(last - first, 7.0)
    return first - 0.04 * width, last + 0.04 * width


def _style(
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


def png(figure: Figure) -> bytes:
    """Draw once and encode with Pillow as a palette PNG."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # every figure here is drawn by Agg
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    paletted = image.quantize(
        PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    # The octree averages white with its antialiased neighbours into (254, 254, 254):
    # put white back, or the chart shows as a grey box on a white page.
    # The chart is opaque: an RGB palette, so no transparency chunk is written.
    palette = paletted.getpalette("RGB") or []
    for start in range(0, len(palette), 3):
        if min(palette[start : start + 3]) >= 248:
            palette[start : start + 3] = [255, 255, 255]
    paletted.putpalette(palette, "RGB")
    paletted.info.pop("transparency", None)
    out = io.BytesIO()
    paletted.save(out, "PNG", compress_level=1)
    return out.getvalue()
