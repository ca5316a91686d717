"""Run synchronous filters where they are, not in a thread.

aiogram runs every synchronous filter through `asyncio.to_thread`, as it would a
blocking function. Ours never block: a bare FSM state (`@router.message(Form.step)`)
and `F` magic filters are attribute and dictionary look-ups. A thread hop costs far
more than such a check, and an update meets a dozen of them on its way through the
routers, which made them a large share of the time spent on every update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def run_sync_filters_inline(routers: Iterable[Router]) -> None:
    """Make the synchronous filters of these routers' handlers run inline (idempotent)."""
    for top in routers:
        for router in top.chain_tail:
            for observer in router.observers.values():
                for handler in observer.handlers:
                    for event_filter in handler.filters or ():
                        _inline(event_filter)


def _inline(event_filter: FilterObject) -> None:
    if event_filter.awaitable:
        return
    check = event_filter.callback
    event_filter.callback = _awaitable(check)
    event_filter.awaitable = True  # the signature-derived `params` stay those of `check`


def _awaitable(check: Callable[..., Any]) -> Callable[..., Any]:
    async def run_inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run_inline
