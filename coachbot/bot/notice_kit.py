"""What the notice renderers of every feature share: whose eyes a notice is rendered for,
and the buttons that come with it."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from coachbot.domain.outbox.model import Button, Keyboard, TextPayload
from coachbot.domain.progress.views import Viewpoint

# A notice renders to its text, or to a text with buttons.
Rendered = str | TextPayload

__all__ = ["Keyboard", "Rendered", "Viewpoint", "buttons"]


def buttons(*rows: tuple[str, CallbackData]) -> Keyboard:
    """One button per row: (label, callback)."""
    return tuple((Button(text=label, callback_data=data.pack()),) for label, data in rows)
