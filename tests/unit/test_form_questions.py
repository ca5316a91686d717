"""Every question type: how typed answers are read, checked and converted."""

from __future__ import annotations

from datetime import date

import pytest

from coachbot.domain.forms.questions import (
    AnswerContext,
    InvalidAnswer,
    Option,
    Question,
    QuestionKind,
)
from coachbot.domain.forms.units import Metric, UnitSystem, from_si, to_si

TODAY = date(2026, 3, 2)
METRIC = AnswerContext(today=TODAY)
IMPERIAL = AnswerContext(today=TODAY, units=UnitSystem.imperial, day_first=False)


def question(kind: QuestionKind, **settings) -> Question:
    return Question(key="q", kind=kind, prompt={"en": "?"}, **settings)


def refusal(q: Question, text: str, context: AnswerContext = METRIC) -> str:
    with pytest.raises(InvalidAnswer) as error:
        q.read(text, context)
    return error.value.code


def test_text_is_trimmed_and_bounded():
    q = question(QuestionKind.text, max_length=5)
    assert q.read("  hello ", METRIC) == "hello"
    assert refusal(q, "   ") == "empty"
    assert refusal(q, "too long") == "too_long"


@pytest.mark.parametrize(
    ("typed", "value"), [("72,5", 72.5), ("72.5", 72.5), ("72.5 h", 72.5), (" 8 ", 8.0)]
)
def test_numbers_take_a_decimal_comma_or_point_and_their_unit(typed, value):
    assert question(QuestionKind.number, unit="h").read(typed, METRIC) == value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "not_a_number"),
        ("7x", "unknown_unit"),
        ("-1", "too_small"),
        ("25", "too_large"),
        ("7.25", "too_precise"),
    ],
)
def test_numbers_outside_the_rules_are_refused_with_the_reason(typed, code):
    q = question(QuestionKind.number, unit="h", minimum=0, maximum=24, decimals=1)
    assert refusal(q, typed) == code


def test_scale_takes_whole_numbers_in_range_typed_or_pressed():
    q = question(QuestionKind.scale)
    assert q.read("7", METRIC) == 7
    assert q.choose(["10"]) == 10
    assert refusal(q, "11") == "too_large"
    assert refusal(q, "0") == "too_small"
    assert refusal(q, "6.5") == "not_a_whole_number"
    assert [o.key for o in q.button_options] == [str(n) for n in range(1, 11)]


def test_single_and_multi_choice_accept_only_their_options():
    options = (Option("a", {"en": "A"}), Option("b", {"en": "B"}), Option("c", {"en": "C"}))
    single = question(QuestionKind.single_choice, options=options)
    multi = question(QuestionKind.multi_choice, options=options)
    assert single.choose(["b"]) == "b"
    assert multi.choose(["c", "a", "c"]) == ["a", "c"]  # in the form's order, once each
    for q, picked in ((single, ["x"]), (single, ["a", "b"]), (multi, [])):
        with pytest.raises(InvalidAnswer):
            q.choose(picked)
    assert refusal(single, "b") == "use_buttons"


@pytest.mark.parametrize(
    ("typed", "value"), [("Yes", True), ("y", True), ("no", False), ("Nein", False), ("👍", True)]
)
def test_yes_no_is_understood_typed(typed, value):
    assert question(QuestionKind.yes_no).read(typed, METRIC) is value


def test_yes_no_buttons_and_nonsense():
    q = question(QuestionKind.yes_no)
    assert q.choose(["no"]) is False
    assert refusal(q, "maybe") == "not_yes_or_no"


@pytest.mark.parametrize(
    ("typed", "context", "iso"),
    [
        ("1990-04-03", METRIC, "1990-04-03"),
        ("2027-05-01", IMPERIAL, "2027-05-01"),  # ISO is never swapped
        ("13.04.1990", METRIC, "1990-04-13"),
        ("13/4/1990", METRIC, "1990-04-13"),  # day first where the locale says so
        ("4/13/1990", IMPERIAL, "1990-04-13"),
        ("05.05.1990", METRIC, "1990-05-05"),  # same either way: nothing to confirm
        ("3 April 1990", METRIC, "1990-04-03"),
        ("April 3, 1990", IMPERIAL, "1990-04-03"),
    ],
)
def test_dates_in_common_formats(typed, context, iso):
    assert question(QuestionKind.date).read(typed, context) == iso


@pytest.mark.parametrize(
    ("typed", "context", "understood"),
    [
        ("1.5.2027", IMPERIAL, "2027-01-05"),
        ("1.5.2027", METRIC, "2027-05-01"),
        ("3/4/1990", METRIC, "1990-04-03"),
    ],
)
def test_a_date_whose_day_and_month_could_be_swapped_is_confirmed_first(typed, context, understood):
    with pytest.raises(InvalidAnswer) as error:
        question(QuestionKind.date).read(typed, context)
    assert error.value.code == "confirm_date"
    assert error.value.params == {"date": understood}


@pytest.mark.parametrize("typed", ["7pm", "May 2027", "1 May", "1.5.2027 7pm", "12345"])
def test_what_dateutil_would_fill_in_from_defaults_is_not_a_date(typed):
    assert refusal(question(QuestionKind.date), typed) == "not_a_date"


def test_dates_are_checked():
    birthday = question(QuestionKind.date, past_only=True)
    assert refusal(birthday, "2030-01-01") == "in_the_future"
    assert refusal(birthday, "31.02.1990") == "not_a_date"
    assert refusal(birthday, "someday") == "not_a_date"
    assert refusal(question(QuestionKind.date, future_only=True), "2020-01-01") == "in_the_past"


@pytest.mark.parametrize(
    ("typed", "context", "kg"),
    [
        ("72,5", METRIC, 72.5),
        ("72.5 kg", METRIC, 72.5),
        ("160 lb", METRIC, 72.57),
        ("160", IMPERIAL, 72.57),
        ("160 lbs", IMPERIAL, 72.57),
        ("72 kg", IMPERIAL, 72.0),
    ],
)
def test_weight_is_stored_in_kilograms_whatever_was_typed(typed, context, kg):
    q = question(QuestionKind.metric, metric=Metric.weight, minimum=25, maximum=350)
    assert q.read(typed, context) == kg


@pytest.mark.parametrize(
    ("typed", "context", "cm"),
    [
        ("180", METRIC, 180.0),
        ("1.80 m", METRIC, 180.0),
        ("5'11\"", METRIC, 180.34),
        ("5 ft 11 in", IMPERIAL, 180.34),
        ("71", IMPERIAL, 180.34),
        ("180 cm", IMPERIAL, 180.0),
    ],
)
def test_lengths_are_stored_in_centimetres(typed, context, cm):
    q = question(QuestionKind.metric, metric=Metric.height, minimum=100, maximum=250)
    assert q.read(typed, context) == cm


def test_measurements_out_of_range_or_in_unknown_units_are_refused():
    height = question(QuestionKind.metric, metric=Metric.height, minimum=100, maximum=250)
    assert refusal(height, "180", IMPERIAL) == "too_large"  # 180 inches: meant cm?
    assert refusal(height, "abc") == "not_a_number"
    assert refusal(height, "180 kg") == "unknown_unit"


def test_conversions_round_trip():
    for metric, units in (
        (Metric.weight, UnitSystem.imperial),
        (Metric.waist, UnitSystem.imperial),
        (Metric.body_fat, UnitSystem.imperial),
    ):
        assert from_si(to_si("33", metric, units), metric, units) == pytest.approx(33)


def test_photos_are_bounded():
    q = question(QuestionKind.photo, max_photos=2)
    assert q.photos(["a", "b"]) == ["a", "b"]
    with pytest.raises(InvalidAnswer, match="too_many_photos"):
        q.photos(["a", "b", "c"])
    assert refusal(q, "here") == "photo"


def test_a_question_is_checked_when_it_is_defined():
    with pytest.raises(ValueError, match="English"):
        Question(key="q", kind=QuestionKind.text, prompt={"de": "?"})
    with pytest.raises(ValueError, match="options"):
        question(QuestionKind.single_choice)
    with pytest.raises(ValueError, match="metric"):
        question(QuestionKind.metric)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_time_zones_are_taken_as_zone_names_or_cities(typed, zone):
    assert question(QuestionKind.timezone).read(typed, METRIC) == zone


def test_an_unknown_place_is_not_a_time_zone():
    assert refusal(question(QuestionKind.timezone), "Atlantis") == "unknown_timezone"


@pytest.mark.parametrize(
    ("typed", "time"),
    [
        ("7:30", "07:30"),
        ("07.30", "07:30"),
        ("19h", "19:00"),
        ("19 Uhr", "19:00"),
        ("7 pm", "19:00"),
        ("12 am", "00:00"),
        ("7", "07:00"),
    ],
)
def test_times_of_day_in_common_forms(typed, time):
    assert question(QuestionKind.time).read(typed, METRIC) == time


@pytest.mark.parametrize("typed", ["25:00", "7:75", "13 pm", "noonish"])
def test_impossible_times_are_refused(typed):
    assert refusal(question(QuestionKind.time), typed) == "not_a_time"


def test_a_follow_up_can_depend_on_one_of_several_answers():
    from coachbot.domain.forms.questions import ShowIf

    condition = ShowIf("category", among=("habit", "custom"))
    assert condition.holds({"category": "custom"})
    assert not condition.holds({"category": "weight"})


@pytest.mark.parametrize(
    ("form_key", "question_key"),
    [
        ("checkin_weekly", "wins"),
        ("checkin_weekly", "struggles"),
        ("initial_assessment", "injury_details"),
        ("initial_assessment", "notes"),
    ],
)
def test_free_text_answers_may_be_as_long_as_a_telegram_message(form_key, question_key):
    from coachbot.storage.form_templates import shipped_templates

    (form,) = [t for t in shipped_templates() if t.key == form_key]
    (question,) = [q for q in form.questions if q.key == question_key]
    assert question.read("x" * 4096, METRIC) == "x" * 4096
    with pytest.raises(InvalidAnswer) as refused:
        question.read("x" * 4097, METRIC)
    assert refused.value.params == {"maximum": 4096}  # the refusal names the limit
