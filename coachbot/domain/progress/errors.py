"""What can go wrong with progress data; the bot's error router explains each."""

from __future__ import annotations

from coachbot.domain.shared.errors import DomainError, NotAllowedError


class GoalNotFound(NotAllowedError):
    """No such goal, or not one the person may see or change."""


class GoalChangeNotFound(NotAllowedError):
    """No such proposal, or not for this coach."""


class EntryNotFound(NotAllowedError):
    """No such measurement, or not the person's own."""


class MetricNotFound(NotAllowedError):
    """No such metric for this client (an archived or another coach's custom metric)."""


class NotMeasurable(DomainError):
    """The goal has no metric and target: milestones and progress need both."""


class InvalidMilestones(DomainError):
    """Milestones must lie between the start and the target, in order; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class DrawingInterrupted(DomainError):
    """The process drawing a chart or report stopped before it was done; asking again
    draws it in a new one."""


class ExportTooLarge(DomainError):
    """Even split into `parts` files of Telegram's upload size, it does not fit."""

    def __init__(self, parts: int, maximum_parts: int) -> None:
        super().__init__(f"{parts} parts needed, {maximum_parts} allowed")
        self.parts = parts
        self.maximum_parts = maximum_parts
