"""Charts are checked on the figure's data (lines, goal, projection, target date), not
on pixels; each kind is also rendered once to a PNG a phone can show."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib.dates import date2num
from PIL import Image

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.progress import trends
from coachbot.domain.progress.metrics import builtin_definition
from coachbot.domain.progress.pictures import build_series
from coachbot.domain.progress.views import ChartPanel, MetricChart, MetricSeries, Viewpoint
from coachbot.reports.chart_drawing import WIDTH_PX
from coachbot.reports.charts import MatplotlibChartRenderer, png

START = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
BERLIN = Viewpoint("en", UnitSystem.metric, "Europe/Berlin")


def series(metric: Metric = Metric.weight, *, goal: float | None = 76.0, days: int = 42):
    points = [
        (START + timedelta(days=i), 82.0 - 0.1 * i + (0.3 if i % 3 else -0.2)) for i in range(days)
    ]
    average = trends.moving_average(points)
    now = points[-1][0]
    rate = trends.weekly_rate(points, now)
    projection = trends.projection(average, rate, goal) if goal is not None else None
    return MetricSeries(
        builtin_definition(metric),
        tuple(points),
        tuple(average),
        goal=goal,
        target_date=date(2026, 5, 31) if goal is not None else None,
        start_value=82.0,
        projection=projection,
        weekly_rate=rate,
    )


def lines_by_gid(figure, gid: str):
    return [line for axes in figure.axes for line in axes.lines if line.get_gid() == gid]


def test_the_metric_chart_draws_the_entries_their_average_the_goal_and_the_projection():
    data = series()
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, BERLIN, date(2026, 4, 12)))
    (entries,) = lines_by_gid(figure, "entries")
    assert list(entries.get_ydata()) == pytest.approx([v for _, v in data.points])
    assert entries.get_linestyle() == "None" and entries.get_marker() == "o"
    (average,) = lines_by_gid(figure, "average")
    assert list(average.get_ydata()) == pytest.approx([v for _, v in data.average])
    (goal,) = lines_by_gid(figure, "goal")
    assert set(goal.get_ydata()) == {76.0}
    (projection,) = lines_by_gid(figure, "projection")
    assert data.projection is not None
    assert list(projection.get_ydata()) == pytest.approx([data.average[-1][1], 76.0])
    # Dates are drawn in the reader's time zone.
    reached = data.projection[1][0].astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    assert projection.get_xdata()[1] == pytest.approx(date2num(reached), abs=1e-6)
    (target,) = lines_by_gid(figure, "target-date")
    assert target.get_xdata()[0] == date2num(date(2026, 5, 31))
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    assert low < date2num(data.points[0][0].replace(tzinfo=None)) and high > date2num(
        date(2026, 5, 31)
    )
    labels = {text.get_gid(): text.get_text() for text in axes.texts}
    assert labels["goal-label"] == "Goal 76.0 kg"
    assert labels["projection-label"].startswith("Projection: May")
    assert labels["target-date-label"] == "Target date May 31"
    assert axes.get_ylabel() == "kg"
    key = [t.get_text() for t in figure.texts]
    assert key[0] == "Weight" and key[2] == "Dots: entries · line: 7-day average"


def test_the_projection_label_stays_inside_the_picture_when_the_line_ends_at_the_edge():
    """Without a later target date the dotted line ends at the right edge of the chart."""
    data = replace(series(), target_date=None)
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, BERLIN, date(2026, 4, 12)))
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (label,) = [t for t in figure.axes[0].texts if t.get_gid() == "projection-label"]
    box = label.get_window_extent(renderer)
    assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1


def test_dates_are_on_the_x_axis_and_values_in_the_readers_units_and_language():
    data = series()
    view = Viewpoint("de", UnitSystem.imperial, "Europe/Berlin")
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, view, date(2026, 4, 12)))
    figure.canvas.draw()
    axes = figure.axes[0]
    (average,) = lines_by_gid(figure, "average")
    assert average.get_ydata()[0] == pytest.approx(data.average[0][1] / 0.45359237)
    assert axes.get_ylabel() == "lb"
    x_labels = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert x_labels and any("März" in label or "Apr" in label for label in x_labels)
    y_labels = [t.get_text() for t in axes.get_yticklabels() if t.get_text()]
    assert all(
        label.replace("−", "").replace(".", "").replace(",", "").isdigit() for label in y_labels
    )
    goal_label = next(t.get_text() for t in axes.texts if t.get_gid() == "goal-label")
    assert goal_label == "Goal 167,6 lb"  # the translation itself comes from the bot


def test_without_a_goal_there_is_no_goal_line_projection_or_target_date():
    figure = MatplotlibChartRenderer().metric_figure(
        MetricChart(series(goal=None), BERLIN, date(2026, 4, 12))
    )
    for gid in ("goal", "projection", "target-date"):
        assert lines_by_gid(figure, gid) == []


def test_the_panel_shares_one_time_axis_and_shows_each_metric():
    panel = ChartPanel(
        (series(), series(Metric.waist, goal=88.0), series(Metric.body_fat, goal=None)),
        BERLIN,
        date(2026, 4, 12),
    )
    figure = MatplotlibChartRenderer().panel_figure(panel)
    assert len(figure.axes) == 3
    assert len({axes.get_xlim() for axes in figure.axes}) == 1
    assert [a.get_title(loc="left").split()[0] for a in figure.axes] == ["Weight", "Waist", "Body"]
    assert len(lines_by_gid(figure, "goal")) == 2
    assert lines_by_gid(figure, "projection") == []  # a panel compares, it projects nothing


def test_labels_are_translated_with_the_function_given():
    german = {"Goal {value}": "Ziel {value}", "Weight": "Gewicht"}
    renderer = MatplotlibChartRenderer(lambda language, text: german.get(text, text))
    figure = renderer.metric_figure(MetricChart(series(), BERLIN, date(2026, 4, 12)))
    assert "Ziel 76.0 kg" in [t.get_text() for t in figure.axes[0].texts]
    assert "Gewicht" in [t.get_text() for t in figure.texts]


@pytest.mark.parametrize("kind", ["metric", "panel", "single point"])
def test_every_chart_renders_to_a_phone_sized_png(kind):
    renderer = MatplotlibChartRenderer()
    today = date(2026, 4, 12)
    if kind == "metric":
        png = renderer.metric_chart(MetricChart(series(), BERLIN, today))
    elif kind == "panel":
        png = renderer.panel_chart(ChartPanel((series(), series(Metric.waist)), BERLIN, today))
    else:
        png = renderer.metric_chart(MetricChart(series(days=1, goal=None), BERLIN, today))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width == WIDTH_PX
        assert 700 <= image.height <= 2000
    assert len(png) < 200_000


def test_a_chart_drawn_on_the_kept_figure_is_the_chart_drawn_afresh():
    """Charts are drawn on a figure kept between charts: nothing of one may show in the
    next."""
    renderer = MatplotlibChartRenderer()
    today = date(2026, 4, 12)
    first = MetricChart(series(), BERLIN, today)
    second = MetricChart(series(Metric.waist, goal=None, days=20), BERLIN, today)
    renderer.metric_chart(first)
    kept = renderer.metric_chart(second)
    fresh = png(MatplotlibChartRenderer().metric_figure(second))
    assert kept == fresh


def one_day(values: list[float], *, goal: float | None = None, target: date | None = None):
    points = tuple((START + timedelta(hours=2 * i), v) for i, v in enumerate(values))
    return MetricSeries(
        builtin_definition(Metric.weight),
        points,
        tuple(trends.moving_average(trends.daily_means(points, "Europe/Berlin"))),
        goal=goal,
        target_date=target,
        start_value=values[0],
        projection=None,
        weekly_rate=None,
    )


@pytest.mark.parametrize("values", [[80.0], [80.0, 80.6]])
def test_one_day_of_data_sits_in_the_middle_over_its_own_date(values):
    figure = MatplotlibChartRenderer().metric_figure(
        MetricChart(one_day(values), BERLIN, date(2026, 3, 2))
    )
    axes = figure.axes[0]
    (entries,) = lines_by_gid(figure, "entries")
    xs = list(entries.get_xdata())
    low, high = axes.get_xlim()
    middle = (min(xs) + max(xs)) / 2
    assert middle - low == pytest.approx(high - middle)
    assert list(axes.get_xticks()) == pytest.approx([middle])
    figure.canvas.draw()
    assert [t.get_text() for t in axes.get_xticklabels()] == ["Mar 2"]


def test_the_average_takes_one_value_per_day_so_it_has_no_vertical_step():
    entries = [
        MetricEntry(
            client_id=1, metric="weight", value=v, measured_at=at, created_at=at, source="log"
        )
        for at, v in [(START, 80.0), (START + timedelta(hours=9), 80.6)]
    ]
    data = build_series(entries, builtin_definition(Metric.weight), None, START, "Europe/Berlin")
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, BERLIN, date(2026, 3, 2)))
    (average,) = lines_by_gid(figure, "average")
    assert list(average.get_ydata()) == pytest.approx([80.3])


def test_a_target_date_months_past_the_data_is_drawn():
    """Six weeks of data, a target five months on: past the projection's horizon."""
    data = replace(series(), target_date=date(2026, 9, 30), projection=None)
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, BERLIN, date(2026, 4, 12)))
    (target,) = lines_by_gid(figure, "target-date")
    assert target.get_xdata()[0] == date2num(date(2026, 9, 30))
    assert figure.axes[0].get_xlim()[1] > date2num(date(2026, 9, 30))
    labels = {text.get_gid(): text.get_text() for text in figure.axes[0].texts}
    assert labels["target-date-label"] == "Target date Sep 30"


def test_a_target_date_years_ahead_is_named_at_the_edge():
    data = replace(series(), target_date=date(2028, 6, 30), projection=None)
    figure = MatplotlibChartRenderer().metric_figure(MetricChart(data, BERLIN, date(2026, 4, 12)))
    assert lines_by_gid(figure, "target-date") == []
    assert figure.axes[0].get_xlim()[1] < date2num(date(2027, 1, 1))
    labels = {text.get_gid(): text.get_text() for text in figure.axes[0].texts}
    assert labels["target-date-label"] == "Target date Jun 30 →"
