"""The base of every notice: what a use case tells someone, as typed data.

Each feature declares its notices (frozen dataclasses) in its own `notices.py`; the bot
renders them in the reader's language when they are sent. A notice waits in the outbox
as JSON, so its fields are plain values (str, int, float, bool, None), dates and
datetimes (kept as ISO strings), or a dict of plain values.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any, TypeVar


@dataclasses.dataclass(frozen=True, kw_only=True)
class Notice:
    """Base of the typed notices (subclasses add the fields their text needs)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnreadableNotice(Notice):
    """A stored notice this release cannot read (an unknown name, a missing field): it
    fails when it is sent, as a permanent failure, instead of stopping the dispatcher."""

    name: str
    problem: str


N = TypeVar("N", bound=Notice)
_READER = {"units", "timezone"}


def notice_params(notice: Notice) -> dict[str, Any]:
    """The notice's fields as JSON values."""
    return {field.name: _plain(getattr(notice, field.name)) for field in dataclasses.fields(notice)}


def notice_from_params(cls: type[N], params: dict[str, Any]) -> N:
    """The notice `cls` from its stored fields; keys it does not have are ignored (a row
    queued by an older release may carry more). Raises TypeError for a missing field."""
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: _typed(v, hints[k]) for k, v in params.items() if k in known}
    if "details" in known and "details" not in params:
        # A badge queued before notices were typed kept its details among the params,
        # next to the reader's units and time zone.
        values["details"] = {k: v for k, v in params.items() if k not in known | _READER}
    return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _typed(value: Any, hint: Any) -> Any:
    """An ISO string back to the date or datetime the field is declared as."""
    if not isinstance(value, str):
        return value
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if datetime in options:
        return datetime.fromisoformat(value)
    if date in options:
        return date.fromisoformat(value)
    return value
