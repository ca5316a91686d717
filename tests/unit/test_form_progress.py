"""Walking through a form: answer, skip, back, follow-up questions, resume from data."""

from __future__ import annotations

import pytest

from coachbot.domain.forms.progress import (
    FormProgress,
    back,
    current_question,
    is_complete,
    record,
    skip,
)
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.templates import FormTemplate
from coachbot.storage.form_templates import shipped_templates

FORM = FormTemplate.from_data(
    {
        "key": "demo",
        "version": 1,
        "title": {"en": "Demo"},
        "questions": [
            {"key": "injured", "kind": "yes_no", "prompt": {"en": "Injured?"}},
            {
                "key": "where",
                "kind": "text",
                "prompt": {"en": "Where?"},
                "show_if": {"key": "injured", "equals": True},
            },
            {"key": "notes", "kind": "text", "optional": True, "prompt": {"en": "Notes?"}},
        ],
    }
)


def keys_asked(progress: FormProgress) -> str | None:
    question = current_question(FORM, progress)
    return question.key if question else None


def test_a_follow_up_is_asked_only_when_its_condition_holds():
    progress = record(FORM, FormProgress(), False)
    assert keys_asked(progress) == "notes"
    progress = record(FORM, FormProgress(), True)
    assert keys_asked(progress) == "where"


def test_optional_questions_can_be_skipped_required_ones_cannot():
    with pytest.raises(InvalidAnswer, match="required"):
        skip(FORM, FormProgress())
    progress = skip(FORM, record(FORM, FormProgress(), False))
    assert is_complete(FORM, progress) and progress.answers == {"injured": False, "notes": None}


def test_back_forgets_the_last_answer_and_the_follow_ups_that_depended_on_it():
    progress = record(FORM, record(FORM, FormProgress(), True), "knee")
    progress = back(FORM, progress)
    assert keys_asked(progress) == "where" and progress.answers == {"injured": True}
    progress = back(FORM, progress)
    assert keys_asked(progress) == "injured" and progress.answers == {}
    with pytest.raises(InvalidAnswer, match="at_start"):
        back(FORM, progress)


def test_progress_survives_as_data_and_resumes_at_the_same_question():
    progress = record(FORM, FormProgress(), True)
    restored = FormProgress.from_data(progress.to_data())
    assert restored == progress and keys_asked(restored) == "where"


def test_a_complete_form_takes_no_more_answers():
    progress = skip(FORM, record(FORM, FormProgress(), False))
    with pytest.raises(InvalidAnswer, match="form_complete"):
        record(FORM, progress, "late")


def test_templates_are_checked_when_loaded():
    with pytest.raises(ValueError, match="repeats"):
        FormTemplate.from_data(
            {
                "key": "x",
                "version": 1,
                "title": {"en": "X"},
                "questions": [
                    {"key": "a", "kind": "text", "prompt": {"en": "?"}},
                    {"key": "a", "kind": "text", "prompt": {"en": "?"}},
                ],
            }
        )
    with pytest.raises(ValueError, match="later"):
        FormTemplate.from_data(
            {
                "key": "x",
                "version": 1,
                "title": {"en": "X"},
                "questions": [
                    {
                        "key": "a",
                        "kind": "text",
                        "prompt": {"en": "?"},
                        "show_if": {"key": "b", "equals": 1},
                    },
                    {"key": "b", "kind": "text", "prompt": {"en": "?"}},
                ],
            }
        )


def test_shipped_forms_load_and_speak_english_and_german():
    forms = {form.key: form for form in shipped_templates()}
    assert set(forms) == {
        "checkin_weekly",
        "first_goal",
        "initial_assessment",
        "notifications",
        "par_q",
        "privacy",
        "profile",
    }
    for form in forms.values():
        assert {"en", "de"} <= set(form.title)
        for question in form.questions:
            assert {"en", "de"} <= set(question.prompt), question.key
            for option in question.options:
                assert {"en", "de"} <= set(option.label), option.key
