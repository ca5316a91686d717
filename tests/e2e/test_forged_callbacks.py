"""Buttons nobody was sent: callback data with ids beyond what the database holds, negative
pages or garbage values are refused like any other forged button, never as an error."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Harness

FORGED = [
    "cc:99999999999999999999:sh",  # beyond any integer column
    "cc:9223372036854775808:sh",  # beyond BIGINT
    "cc:2147483648:sh",  # beyond the 32-bit id columns of PostgreSQL
    "cc:-1:sh",
    "ls:-1::0",  # a negative page
    "pk:99999999999999999999:sh",
    "cb:1:sd:99999999999999999999",  # an id in a value field
    "cb:1:sd:abc",
    "bl:gr:99999999999999999999",
    "pl:1:tp:99999999999999999999",
    "pl:1:wd:99",
    "gl:ls:0:99999999999999999999",
    "ph:cp:1:99999999999999999999:0",
]


@pytest.mark.parametrize("data", FORGED)
async def test_a_button_with_an_impossible_value_is_refused_politely(harness: Harness, data: str):
    coach = harness.admin
    await coach.send_text("/menu")
    menu = await coach.next_bot_message()
    answer = await coach.callback_answer(await coach.press_data(menu.message_id, data))
    assert answer.text == "This button is no longer active."
    assert not [m for m in await coach.bot_messages_until_idle() if "went wrong" in m.text]
