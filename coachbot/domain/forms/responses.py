"""A person's response to a form: which version, how far, finished or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.templates import FormTemplate


class ResponseStatus(StrEnum):
    in_progress = "in_progress"
    completed = "completed"
    abandoned = "abandoned"


@dataclass
class FormResponse:
    template_id: int
    template: FormTemplate
    user_id: int
    purpose: str  # why it is being filled in: "onboarding", "checkin:42", ...
    status: ResponseStatus
    progress: FormProgress
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    id: int | None = None
