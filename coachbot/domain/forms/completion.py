"""What completing a form does, run in the unit of work of its last answer: the answer
and, say, the check-in it submits are saved together or not at all.

The table of completions by purpose is `coachbot.domain.completions.FORM_COMPLETIONS`,
given to the form use cases when they are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.shared.ports import UnitOfWork


class FormOutcome:
    """What completing a form did (a check-in submitted, an onboarding stage filed);
    the bot answers by its type."""


class FormCompletion(Protocol):
    async def __call__(
        self, uow: UnitOfWork, response: FormResponse, now: datetime
    ) -> FormOutcome: ...


# By purpose ("onboarding:profile") or by its kind, the part before the colon ("checkin").
Completions = Mapping[str, FormCompletion]

# None at all: for callers that file stages and submit check-ins themselves, with the
# standalone use cases (the sandbox demo writing the past, unit tests of single steps).
BY_HAND: Completions = MappingProxyType({})


async def complete(
    completions: Completions, uow: UnitOfWork, response: FormResponse, now: datetime
) -> FormOutcome | None:
    """Run the completion for the response's purpose; a purpose without one (a form
    filled in for its own sake) completes with no outcome."""
    kind = response.purpose.partition(":")[0]
    completion = completions.get(response.purpose) or completions.get(kind)
    return None if completion is None else await completion(uow, response, now)
