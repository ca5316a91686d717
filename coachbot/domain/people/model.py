"""Users and the roles they hold: admin (from configuration), coach, client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from coachbot.domain.checkins.model import CheckinRules


class Role(StrEnum):
    admin = "admin"
    coach = "coach"
    client = "client"


class ClientStatus(StrEnum):
    invited = "invited"
    onboarding = "onboarding"
    active = "active"
    paused = "paused"
    archived = "archived"


@dataclass
class User:
    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language: str = "en"
    timezone: str = "UTC"
    created_at: datetime | None = None
    id: int | None = None
    units: str = "metric"  # or "imperial": how measurements are asked and shown
    preferred_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    height_cm: float | None = None
    reminder_time: str = "08:00"  # local "HH:MM"
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    # Privacy: progress photos reach the coach protected (no forwarding, no saving)
    # unless the person allows it.
    allow_photo_forwarding: bool = False

    @property
    def call_name(self) -> str:
        """How the bot addresses the person: their preferred name once they gave one."""
        return self.preferred_name or self.first_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def reminders_in_quiet_hours(self) -> bool:
        """Whether the reminder time falls within the quiet hours (which may cross
        midnight; equal bounds mean none), so reminders would wait for their end."""
        start, end, at = self.quiet_start, self.quiet_end, self.reminder_time
        if start == end:
            return False
        if start < end:
            return start <= at < end
        return at >= start or at < end


@dataclass
class Coach:
    user_id: int
    display_name: str
    created_at: datetime
    invited_by: int | None = None
    id: int | None = None
    checkin_rules: CheckinRules = field(default_factory=CheckinRules)


@dataclass
class Client:
    coach_id: int
    display_name: str
    status: ClientStatus
    created_at: datetime
    user_id: int | None = None
    id: int | None = None
    email: str | None = None
    phone: str | None = None
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    # Grows with every change of the client's progress data (entries, goals, custom
    # metrics), in the same transaction: what cached progress pictures are keyed by.
    # Written by the stores only, never by saving a client.
    data_version: int = 0


@dataclass(frozen=True)
class UserRoles:
    """A user with the records that give them their roles, read together on every update."""

    user: User
    coach: Coach | None
    clients: tuple[Client, ...]


STATUS_ORDER = tuple(ClientStatus)  # the client list shows the statuses in this order


def sort_name(display_name: str) -> str:
    """What the client list sorts names by (after the status): case-insensitively."""
    return display_name.casefold()


def search_text(client: Client) -> str:
    """What a search word is looked for in: name, email and notes, lower case."""
    return " ".join([client.display_name, client.email or "", client.notes]).lower()


@dataclass(frozen=True)
class ClientFilter:
    """Which of a coach's clients a list shows: one status or all, and a search whose
    words must each appear in the name, email or notes, and `#tag` words among the tags."""

    status: ClientStatus | None = None
    words: tuple[str, ...] = ()  # lower case
    tags: tuple[str, ...] = ()  # lower case, without "#"

    @classmethod
    def of(cls, search: str = "", status: ClientStatus | None = None) -> ClientFilter:
        words, tags = [], []
        for word in search.lower().split():
            if word.startswith("#"):
                tags.append(word[1:])
            else:
                words.append(word)
        return cls(status, tuple(words), tuple(tags))

    @property
    def searching(self) -> bool:
        return bool(self.words or self.tags)

    def matches(self, client: Client) -> bool:
        if self.status is not None and client.status is not self.status:
            return False
        text = search_text(client)
        return all(w in text for w in self.words) and all(t in client.tags for t in self.tags)


@dataclass(frozen=True)
class ClientCursor:
    """A place in the client list: just after (or before) this client, at the status it
    was listed with (a client whose status changed since keeps the place it had)."""

    client_id: int
    status: ClientStatus


def list_order(client: Client) -> tuple[int, str, int]:
    """The client list's order: status, then name (case-insensitively), then id."""
    return (STATUS_ORDER.index(client.status), sort_name(client.display_name), client.id or 0)
