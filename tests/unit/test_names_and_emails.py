"""Names and e-mail addresses as people type them (properties with Hypothesis)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachbot.domain.people.contact import NAME_MAX, clean_name
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.shared.text import has_letter_or_digit, is_invisible, visible_text
from coachbot.integrations.email_addresses import normalise_email

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u3164\u2800\x00\x1b\t\u00a0 "
NAMES = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from([*INVISIBLE, "A", "é", "e\u0301", "7", "👍", "-"]), max_size=12).map(
        "".join
    ),
)


@given(typed=NAMES)
def test_a_name_is_clean_or_refused_as_a_detail(typed: str):
    try:
        name = clean_name(typed)
    except InvalidDetailError as error:
        assert error.field == "name" and error.code in ("empty", "too_long")
        return
    assert name == unicodedata.normalize("NFC", name)
    assert not is_invisible(name[0]) and not is_invisible(name[-1])
    assert has_letter_or_digit(name) and len(name) <= NAME_MAX
    assert clean_name(name) == name


@pytest.mark.parametrize("typed", ["\u200b\u200b", "\u3164", "\ufeff \u2060", "👍", "--", ""])
def test_a_name_without_a_visible_letter_or_digit_is_empty(typed: str):
    with pytest.raises(InvalidDetailError) as refused:
        clean_name(typed)
    assert refused.value.code == "empty"


def test_a_name_keeps_its_joiners_inside_and_is_composed():
    assert clean_name("\u200b Cle\u0301o\u00a0 Park \ufeff") == "Cl\u00e9o Park"
    assert visible_text("Ann\u200dMarie\x07") == "Ann\u200dMarie"


@given(typed=st.one_of(st.text(max_size=40), st.emails().map(lambda a: f" {a} ")))
def test_an_address_is_normalised_or_refused_as_a_detail(typed: str):
    try:
        address = normalise_email(typed)
    except InvalidDetailError as error:
        assert (error.field, error.code) == ("email", "invalid")
        return
    assert normalise_email(address) == address


@pytest.mark.parametrize(
    "typed", ["<x@y.com>", "Ann <ann@example.org>", "ann@example", "ann@@example.org", "a b@c.de"]
)
def test_only_one_bare_address_is_accepted(typed: str):
    with pytest.raises(InvalidDetailError):
        normalise_email(typed)


def test_the_domain_of_an_address_is_stored_in_lower_case():
    assert normalise_email(" Ann.Lee@Example.ORG ") == "Ann.Lee@example.org"
