"""Rendering helpers shared by handlers: dates in the user's zone and language, links."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from coachbot.domain.model import User


def local_datetime(moment: datetime, user: User) -> str:
    local = moment.astimezone(ZoneInfo(user.timezone))
    return format_datetime(local, format="medium", locale=user.language)


def start_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def escape(text: str) -> str:
    """Every user-supplied string goes into HTML messages through this."""
    return html.escape(text, quote=False)


def local_date(day: date, user: User) -> str:
    return format_date(day, format="medium", locale=user.language)
