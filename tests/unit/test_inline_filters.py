"""Synchronous filters (FSM states, F magic filters) are checked without a thread."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup

from coachbot.bot.inline_filters import run_sync_filters_inline


class Steps(StatesGroup):
    asking = State()


def a_router() -> Router:
    router = Router()

    @router.message(Steps.asking, F.text == "yes")
    async def agreed() -> None: ...

    return router


async def test_state_and_magic_filters_run_inline_and_still_decide(monkeypatch):
    router = a_router()
    run_sync_filters_inline([router])
    run_sync_filters_inline([router])  # a second pass changes nothing

    def no_threads(*_args, **_kwargs):
        raise AssertionError("a filter went to a thread")

    monkeypatch.setattr(asyncio, "to_thread", no_threads)
    handler = router.message.handlers[0]
    text = type("Message", (), {"text": "yes"})()
    assert (await handler.check(text, raw_state=Steps.asking.state))[0]
    assert not (await handler.check(text, raw_state=None))[0]
    other = type("Message", (), {"text": "no"})()
    assert not (await handler.check(other, raw_state=Steps.asking.state))[0]
