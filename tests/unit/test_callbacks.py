"""Callback data: every factory packs and unpacks to itself, and whatever a client sends
instead (any string, numbers beyond the id columns, negative ones) either unpacks to
values the bot could have sent or fails the way aiogram's filter treats as "not this
button" (TypeError or ValueError), so a forged button reaches the catch-all's refusal."""

from __future__ import annotations

import inspect
import typing
from enum import Enum

import pytest
from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from coachbot.bot import callbacks
from coachbot.bot.callbacks import MAX_ID, Callback

FACTORIES = [
    cls
    for _name, cls in inspect.getmembers(callbacks, inspect.isclass)
    if issubclass(cls, CallbackData) and cls not in (CallbackData, Callback)
]
REFUSED = (TypeError, ValueError)  # what CallbackQueryFilter takes as "no match"
# Each factory is a test of its own: fewer examples apiece keep the module fast.
PER_FACTORY = settings(max_examples=25)


def test_every_factory_refuses_numbers_the_bot_never_sends():
    assert len(FACTORIES) > 30
    for factory in FACTORIES:
        assert issubclass(factory, Callback), factory.__name__


def _field_type(factory: type[CallbackData], name: str) -> type:
    hints = typing.get_type_hints(factory)
    return hints[name]


# Values the bot puts in string fields, and a few it does not.
WORDS = st.sampled_from(
    ["", "yes", "0", "1", "3", "6", "7", "42", "08.30", "23.59", "24.00", "weight", "c12",
     "category", "metric", "trial", "currency", "eur", "habit", "body", "panel", "2027-05-01",
     "cancel_now", "change_price", "99999999999999999999", "-1", "²", "١٢"]
)  # fmt: skip
SHORT_TEXT = st.text(st.characters(exclude_characters=":"), max_size=8)


def _values(kind: type) -> st.SearchStrategy:
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.one_of(st.integers(0, 12), st.integers(0, MAX_ID))
    if inspect.isclass(kind) and issubclass(kind, Enum):
        return st.sampled_from(kind)
    assert kind is str, kind
    return st.one_of(WORDS, SHORT_TEXT)


def _factory_values(factory: type[CallbackData]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {name: _values(_field_type(factory, name)) for name in factory.model_fields}
    )


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@PER_FACTORY
@given(data=st.data())
def test_what_the_bot_packs_unpacks_to_itself(factory: type[CallbackData], data: st.DataObject):
    values = data.draw(_factory_values(factory))
    try:
        sent = factory(**values)
        packed = sent.pack()
    except (ValidationError, ValueError):
        assume(False)  # a value this factory refuses, or too long for Telegram
        raise
    assert len(packed.encode()) <= MAX_CALLBACK_LENGTH
    assert factory.unpack(packed) == sent


# Callback data as a client could send it: this factory's prefix and the right number of
# parts, each anything (numbers far out of range too), or any string at all.
PARTS = st.one_of(
    WORDS,
    SHORT_TEXT,
    st.integers().map(str),
    st.integers(MAX_ID + 1, 2**80).map(str),
    st.integers(max_value=-1).map(str),
)


def _forged(factory: type[CallbackData]) -> st.SearchStrategy[str]:
    fields = len(factory.model_fields)
    return st.one_of(
        st.lists(PARTS, min_size=fields, max_size=fields).map(
            lambda parts: ":".join([factory.__prefix__, *parts])
        ),
        st.text(max_size=MAX_CALLBACK_LENGTH),
    )


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@PER_FACTORY
@given(data=st.data())
def test_any_callback_data_unpacks_to_what_the_bot_sends_or_is_refused(
    factory: type[CallbackData], data: st.DataObject
):
    forged = data.draw(_forged(factory))
    try:
        received = factory.unpack(forged)
    except REFUSED:
        return
    for name in factory.model_fields:
        value = getattr(received, name)
        if isinstance(value, int) and not isinstance(value, bool):
            assert 0 <= value <= MAX_ID
    assert factory.unpack(received.pack()) == received


INT_FIELDS = [
    (factory, name)
    for factory in FACTORIES
    for name in factory.model_fields
    if _field_type(factory, name) is int
]


@pytest.mark.parametrize(("factory", "field"), INT_FIELDS, ids=lambda x: getattr(x, "__name__", x))
@settings(max_examples=10)
@given(number=st.one_of(st.integers(MAX_ID + 1, 10**30), st.integers(-(10**30), -1)))
def test_a_number_beyond_the_id_columns_is_refused_in_every_field(
    factory: type[CallbackData], field: str, number: int
):
    model_fields = list(factory.model_fields)
    parts = ["" for _ in model_fields]
    parts[model_fields.index(field)] = str(number)
    with pytest.raises(REFUSED):
        factory.unpack(":".join([factory.__prefix__, *parts]))


def test_numbers_in_values_are_whole_ascii_numbers_within_the_columns():
    assert callbacks.is_number("0") and callbacks.is_number(str(MAX_ID))
    for text in ("", "-1", "1.5", "²", "١٢", " 1", str(MAX_ID + 1), "9" * 40):
        assert not callbacks.is_number(text), text
