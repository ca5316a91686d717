from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    """A security-relevant action: who did what to which subject, when."""

    at: datetime
    action: str
    actor_user_id: int | None
    subject_type: str
    subject_id: int | None
    details: dict[str, Any] = field(default_factory=dict)
