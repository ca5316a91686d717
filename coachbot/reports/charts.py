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
quarter of the bytes. Renders run in a render process (`render_pool`, the bot's
default) or a worker thread; a lock keeps matplotlib's shared caches to one render at a
time (rendering holds the GIL anyway).

This module composes the charts and their texts and encodes them; the layout, series,
axis ranges and ticks are drawn by `chart_drawing`.
"""

from __future__ import annotations

import io
import threading
from zoneinfo import ZoneInfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from coachbot.domain.progress.views import ChartPanel, MetricChart, MetricSeries, Viewpoint
from coachbot.reports.chart_drawing import (
    AVERAGE,
    GOAL,
    INK,
    LABEL_PT,
    METRIC_HEIGHT_PX,
    MUTED,
    PANEL_COLOURS,
    PANEL_EXTRA_PX,
    PANEL_ROW_PX,
    PROJECTION,
    SUBTITLE_PT,
    TARGET,
    TITLE_PT,
    clear_chart,
    draw_series,
    metric_canvas,
    metric_x_range,
    new_figure,
    panel_x_range,
    single_day_x,
    style_axes,
    to_x,
    y_values_of,
)
from coachbot.reports.labels import N_, Translate, day_month, measure, metric_name, untranslated

PALETTE_COLOURS = 96

_RENDER_LOCK = threading.Lock()


class MatplotlibChartRenderer:
    """The drawing behind the `ChartRenderer` adapters of `render_pool`. CPU-bound."""

    def __init__(self, translate: Translate = untranslated) -> None:
        self._t = translate
        # One figure per chart height, kept and cleared between charts: its axes and
        # ticks are built once (most of a chart's set-up time), only the data changes.
        self._kept: dict[int, tuple[Figure, Axes]] = {}

    # -- the port --------------------------------------------------------------------

    def metric_chart(self, chart: MetricChart, *, height_px: int = METRIC_HEIGHT_PX) -> bytes:
        with _RENDER_LOCK:
            if height_px not in self._kept:
                self._kept[height_px] = metric_canvas(height_px)
            figure, axes = self._kept[height_px]
            try:
                self._compose(figure, axes, chart, height_px)
                return png(figure)
            finally:
                clear_chart(figure, axes)

    def panel_chart(self, panel: ChartPanel) -> bytes:
        with _RENDER_LOCK:
            return png(self.panel_figure(panel))

    # -- figures (tests look at their artists) ---------------------------------------

    def metric_figure(self, chart: MetricChart, *, height_px: int = METRIC_HEIGHT_PX) -> Figure:
        """A new figure of the chart (`metric_chart` draws the same on a kept one)."""
        figure, axes = metric_canvas(height_px)
        self._compose(figure, axes, chart, height_px)
        return figure

    def _compose(self, figure: Figure, axes: Axes, chart: MetricChart, height_px: int) -> None:
        series, view = chart.series, chart.view
        self._title(figure, series, view, top_px=38, height_px=height_px)
        draw_series(axes, series, view, colour=AVERAGE)
        x_range = metric_x_range(series, view, chart.today)
        self._draw_goal(axes, series, view, x_end=x_range[1])
        style_axes(
            axes,
            series,
            view,
            x_range,
            y_values=y_values_of(series),
            single_day=single_day_x(series.points, view),
        )
        if series.goal is not None:
            self._goal_label(axes, series, view, left=True)
        if series.projection is not None:
            self._projection_label(axes, series, view)

    def panel_figure(self, panel: ChartPanel) -> Figure:
        rows = len(panel.series)
        height_px = PANEL_ROW_PX * rows + PANEL_EXTRA_PX
        figure = new_figure(height_px)
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
        x_range = panel_x_range(panel)
        bottom, top = 70 / height_px, 1 - 150 / height_px
        row_height = (top - bottom) / rows
        for row, series in enumerate(panel.series):
            y0 = top - (row + 1) * row_height
            axes = figure.add_axes((0.125, y0 + 0.06 * row_height, 0.835, row_height * 0.74))
            colour = PANEL_COLOURS[row % len(PANEL_COLOURS)]
            draw_series(axes, series, view, colour=colour)
            self._draw_goal(axes, series, view, with_date=False)
            style_axes(
                axes,
                series,
                view,
                x_range,
                y_values=y_values_of(series, with_projection=False),
                dates=row == rows - 1,
                y_bins=4,
                unit_label=False,
                single_day=single_day_x([p for row in panel.series for p in row.points], view),
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
            xy=(to_x(moment, view), series.definition.shown(value, view.units)),
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
            xs = [to_x(start[0], view), to_x(end[0], view)]
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
