"""What completing a form does, by its purpose: one table, built here and handed to the
form use cases by `build_use_cases` (nothing registers itself on import)."""

from __future__ import annotations

from types import MappingProxyType

from coachbot.domain.checkins.submission import submit_checkin
from coachbot.domain.forms.completion import Completions, FormCompletion
from coachbot.domain.onboarding.use_cases import STAGES, complete_stage

_BY_PURPOSE: dict[str, FormCompletion] = {
    "checkin": submit_checkin,  # "checkin:<id>": the check-in of that id
    **{purpose: complete_stage for _form_key, purpose in STAGES},
}
FORM_COMPLETIONS: Completions = MappingProxyType(_BY_PURPOSE)
