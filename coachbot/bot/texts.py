"""Rendering helpers shared by handlers: dates in the user's zone and language, links."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format

from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt
from coachbot.domain.people.model import User


def local_datetime(moment: datetime, user: User) -> str:
    """A date with the time to the minute ("Nov 18, 2026, 7:30 PM"); seconds are noise."""
    local = moment.astimezone(ZoneInfo(user.timezone))
    pattern = str(get_datetime_format("medium", locale=user.language))
    time = format_time(local, format="short", locale=user.language)
    return pattern.replace("{0}", time).replace(
        "{1}", format_date(local, format="medium", locale=user.language)
    )


def start_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def local_date(day: date, user: User) -> str:
    return format_date(day, format="medium", locale=user.language)


MESSAGE_LIMIT = 4096  # characters in one Telegram message


def message_parts(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines joined into as few messages as fit `limit` each, split between lines (so
    markup, which never spans lines here, stays whole)."""
    parts: list[str] = []
    for line in lines:
        if parts and len(parts[-1]) + 1 + len(line) <= limit:
            parts[-1] += "\n" + line
        else:
            parts.append(line[:limit])
    return parts


def quiet_hours_warning(user: User) -> str:
    """A warning when the person's reminder time falls in their quiet hours ("" when
    not): nothing is sent then, so reminders would only come when they end."""
    if not user.reminders_in_quiet_hours:
        return ""
    return fmt(
        _(
            "⚠️ {time} is within your quiet hours ({start}–{end}): reminders would wait until "
            "{end}. Choose another time or quiet hours with /profile."
        ),
        time=user.reminder_time,
        start=user.quiet_start,
        end=user.quiet_end,
    )
