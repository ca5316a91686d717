"""Progress arithmetic: moving average, weekly rate, projection, cohort quartiles, goal
progress and milestones, metric definitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coachbot.domain.checkins.templates import add_question
from coachbot.domain.forms.questions import AnswerContext, InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import Goal, GoalCategory, suggest_milestones
from coachbot.domain.progress import trends
from coachbot.domain.progress.metrics import (
    LOGGABLE,
    CustomMetric,
    builtin_definition,
    check_custom_metric,
    definition_of,
    definitions_for,
)
from coachbot.domain.progress.reports import next_report_due, previous_month
from coachbot.domain.shared.errors import InvalidDetailError

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def daily(values: list[float], start: datetime = START) -> list[trends.Point]:
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def test_moving_average_trails_over_seven_days():
    points = daily([80, 81, 82, 83, 84, 85, 86, 87, 88])
    average = trends.moving_average(points)
    assert average[0][1] == 80
    assert average[6][1] == pytest.approx(83)  # days 0..6
    assert average[8][1] == pytest.approx(85)  # days 2..8: the first two dropped out


def test_moving_average_skips_gaps_in_time_not_in_entries():
    points = [(START, 80.0), (START + timedelta(days=10), 70.0)]
    assert [v for _, v in trends.moving_average(points)] == [80.0, 70.0]


def test_weekly_rate_is_the_trend_of_the_last_four_weeks():
    points = daily([90 - 0.1 * i for i in range(60)])  # 0.7 a week down
    now = points[-1][0]
    assert trends.weekly_rate(points, now) == pytest.approx(-0.7)


def test_weekly_rate_needs_a_few_days_of_data():
    points = daily([80, 79.8, 79.9])
    assert trends.weekly_rate(points, points[-1][0]) is None


def test_projection_reaches_the_goal_at_the_current_rate():
    when = trends.projected_date(80.0, -0.5, 78.0, START)
    assert when == START + timedelta(weeks=4)


@pytest.mark.parametrize("rate", [0.5, 0.0, None])
def test_no_projection_when_the_trend_leads_away_or_is_flat(rate):
    assert trends.projected_date(80.0, rate, 78.0, START) is None


def test_no_projection_beyond_two_years():
    assert trends.projected_date(100.0, -0.01, 60.0, START) is None


def test_period_comparison_by_means():
    points = daily([80] * 31 + [78] * 30, start=datetime(2026, 3, 1, tzinfo=UTC))
    march = trends.period_stats(
        points, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    )
    april = trends.period_stats(
        points, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    )
    comparison = trends.PeriodComparison(current=april, previous=march)
    assert comparison.difference == pytest.approx(-2)
    assert march.count == 31 and april.change == 0


def test_cohort_is_shown_only_from_five_clients():
    assert trends.cohort_summary([-0.5, -0.2, 0.1, -0.3], -0.2) is None
    summary = trends.cohort_summary([-0.8, -0.5, -0.3, -0.2, 0.0], -0.3)
    assert summary is not None
    assert (summary.lower_quartile, summary.median, summary.upper_quartile) == (-0.5, -0.3, -0.2)
    assert summary.clients == 5 and summary.own == -0.3


def goal(start: float | None, target: float) -> Goal:
    return Goal(
        client_id=1,
        category=GoalCategory.weight,
        created_at=START,
        metric="weight",
        target_value=target,
        start_value=start,
    )


def test_progress_is_the_share_of_the_way_in_either_direction():
    losing, gaining = goal(80, 70), goal(60, 66)
    assert losing.progress(77.5) == pytest.approx(0.25)
    assert gaining.progress(64.5) == pytest.approx(0.75)
    assert losing.progress(81) == pytest.approx(-0.1)
    assert goal(None, 70).progress(75) is None


def test_a_milestone_is_reached_at_or_past_its_value():
    losing, gaining = goal(80, 70), goal(60, 66)
    assert losing.reaches(75.0, 75.0) and losing.reaches(74.9, 75.0)
    assert not losing.reaches(75.1, 75.0)
    assert gaining.reaches(63.0, 63.0) and not gaining.reaches(62.9, 63.0)


def test_milestones_every_quarter_of_the_way():
    assert suggest_milestones(80, 70) == [77.5, 75.0, 72.5]
    assert suggest_milestones(60, 66) == [61.5, 63.0, 64.5]
    assert suggest_milestones(176.4, 154.3, 0) == [171.0, 165.0, 160.0]


def test_overdue_only_while_active_and_past_the_date():
    late = goal(80, 70)
    late.target_date = date(2026, 3, 1)
    assert late.overdue(date(2026, 3, 2)) and not late.overdue(date(2026, 3, 1))
    late.status = "achieved"
    assert not late.overdue(date(2026, 3, 2))


def test_a_logged_value_is_read_in_the_persons_units_and_range_checked():
    weight = builtin_definition(Metric.weight)
    metric = AnswerContext(today=date(2026, 3, 2), units=UnitSystem.metric)
    imperial = AnswerContext(today=date(2026, 3, 2), units=UnitSystem.imperial)
    assert weight.read("72,5", metric) == 72.5
    assert weight.read("160", imperial) == pytest.approx(72.57, abs=0.01)
    assert weight.read("160 lb", metric) == pytest.approx(72.57, abs=0.01)
    with pytest.raises(InvalidAnswer) as refused:
        weight.read("720", metric)
    assert refused.value.code == "too_large"
    assert weight.shown(72.5747, UnitSystem.imperial) == pytest.approx(160, abs=0.01)
    assert weight.stored(160, UnitSystem.imperial) == pytest.approx(72.57, abs=0.01)


def test_custom_metrics_keep_their_own_unit_and_range():
    steps = CustomMetric(
        coach_id=1, name="Steps", unit="steps", minimum=0, maximum=60000, created_at=START, id=7
    )
    definition = steps.definition()
    context = AnswerContext(today=date(2026, 3, 2), units=UnitSystem.imperial)
    assert definition.key == "custom:7" and definition.read("8500", context) == 8500
    assert definition.shown(8500, UnitSystem.imperial) == 8500
    with pytest.raises(InvalidAnswer):
        definition.read("70000", context)
    own = CustomMetric(
        coach_id=1,
        name="Plank",
        unit="s",
        minimum=0,
        maximum=600,
        created_at=START,
        client_id=3,
        id=8,
    )
    assert [d.key for d in definitions_for(3, [steps, own])][-2:] == ["custom:7", "custom:8"]
    assert "custom:8" not in [d.key for d in definitions_for(4, [steps, own])]
    assert definition_of("custom:8", [steps, own]).name == "Plank"
    assert definition_of("weight", []).builtin is Metric.weight
    assert definition_of("custom:99", [steps]) is None


@pytest.mark.parametrize(
    ("name", "unit", "low", "high", "field"),
    [
        ("", "s", 0, 1, "name"),
        ("x" * 41, "s", 0, 1, "name"),
        ("Plank", "s2", 0, 1, "unit"),
        ("Plank", "s", 5, 5, "range"),
    ],
)
def test_custom_metric_definitions_are_checked(name, unit, low, high, field):
    with pytest.raises(InvalidDetailError) as refused:
        check_custom_metric(name, unit, low, high)
    assert refused.value.field == field


def test_monthly_reports_arrive_on_the_first_at_nine_local_time():
    due = next_report_due(datetime(2026, 3, 18, 12, tzinfo=UTC), "Europe/Berlin")
    assert due == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert previous_month(due, "Europe/Berlin") == (date(2026, 3, 1), date(2026, 3, 31))
    december = next_report_due(datetime(2026, 12, 5, tzinfo=UTC), "America/New_York")
    assert december == datetime(2027, 1, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("metric", LOGGABLE)
def test_log_and_checkin_questions_accept_the_same_measurements(metric):
    """A value a check-in takes is not refused by /log, and the other way round."""
    form = FormTemplate(key="t", version=1, title={"en": "T"}, questions=())
    question = Question(key="m", kind=QuestionKind.metric, prompt={"en": "?"}, metric=metric)
    (asked,) = add_question(form, question).questions
    logged = builtin_definition(metric)
    assert (asked.minimum, asked.maximum) == (logged.minimum, logged.maximum)


def test_entries_of_one_day_count_once_in_the_moving_average():
    morning, evening = START, START + timedelta(hours=10)
    points = [(morning, 80.0), (evening, 81.0), (START + timedelta(days=1), 79.0)]
    daily_points = trends.daily_means(points, "Europe/Berlin")
    assert daily_points == [(evening, 80.5), (START + timedelta(days=1), 79.0)]
    assert [v for _, v in trends.moving_average(daily_points)] == [80.5, pytest.approx(79.75)]
