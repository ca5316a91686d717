"""Every user-facing string in the code is in every catalogue; English is complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import coachbot
from coachbot.bot.forms.rendering import explain_refusal
from coachbot.bot.i18n import create_i18n, gettext, ngettext
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.people.model import User
from coachbot.languages import available_languages, po_path

KEYWORDS = {"_": None, "__": None, "ngettext": (1, 2)}


def messages_in_code() -> set[str]:
    root = Path(coachbot.__file__).parent
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        root, keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_code_has_translatable_messages():
    assert len(messages_in_code()) > 30


@pytest.mark.parametrize("language", sorted(available_languages()))
def test_catalogue_holds_every_message_of_the_code(language):
    with po_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    missing = sorted(m for m in messages_in_code() if m not in catalog)
    assert missing == [], f"run `make locales`; missing in {language}: {missing}"


@pytest.mark.parametrize("language", sorted(available_languages()))
def test_every_catalogue_translates_every_message(language):
    with po_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    untranslated = [
        m.id
        for m in catalog
        if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert untranslated == []


def test_english_and_german_are_shipped():
    assert {"en", "de"} <= available_languages()


def test_placeholders_survive_translation():
    """A translation that drops or renames {name} would crash .format() at run time."""
    import re

    placeholder = re.compile(r"{(\w+)}")
    for language in available_languages():
        with po_path(language).open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = set(placeholder.findall(ids[-1]))
            for string in strings:
                assert set(placeholder.findall(string)) <= expected | set(
                    placeholder.findall(ids[0])
                ), (language, message.id)


def test_plurals_follow_the_count():
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        assert ngettext("{count} day", "{count} days", 1).format(count=1) == "1 day"
        assert ngettext("{count} day", "{count} days", 7).format(count=7) == "7 days"
        assert gettext("Cancelled.") == "Cancelled."


@pytest.mark.parametrize(
    ("language", "decimals", "expected"),
    [
        ("en", 0, "Please send a whole number."),
        ("en", 1, "Please use at most 1 decimal place."),
        ("en", 2, "Please use at most 2 decimal places."),
        ("de", 0, "Bitte sende eine ganze Zahl."),
        ("de", 1, "Bitte nutze höchstens 1 Nachkommastelle."),
    ],
)
def test_a_too_precise_answer_is_refused_in_words_that_fit_the_count(language, decimals, expected):
    i18n = create_i18n("en")
    refusal = InvalidAnswer("too_precise", decimals=decimals)
    with i18n.context(), i18n.use_locale(language):
        assert explain_refusal(refusal, None, User(telegram_id=1, first_name="A")) == expected
