"""The form templates Coachbot ships, as JSON data (one file per form)."""

from __future__ import annotations

import json
from pathlib import Path

from coachbot.domain.forms.templates import FormTemplate

FOLDER = Path(__file__).parent


def shipped_templates() -> list[FormTemplate]:
    return [
        FormTemplate.from_data(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(FOLDER.glob("*.json"))
    ]
