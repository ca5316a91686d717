"""Hostile values in the cards, lists and confirmations handlers send (the notices have
their own test in test_hostile_texts): each renderer gets view objects built from their
type hints with every free-text field set to a hostile value, and its text must be valid
Telegram HTML within the limit that shows the value as typed (or shortened)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from coachbot.bot.i18n import create_i18n
from coachbot.domain.checkins.schedule import CheckinSchedule, Frequency
from coachbot.domain.onboarding.intake import Intake
from coachbot.domain.people.model import ClientStatus, User
from coachbot.sandbox.telegram_rules import TEXT_LIMIT
from tests.unit.test_hostile_texts import HOSTILE, MARKER, shows, visible

# Fields whose text must mean something to the renderer (a zone, a language, a code).
MEANINGFUL: dict[str, Any] = {
    "language": "en",
    "timezone": "Europe/Berlin",
    "units": "metric",
    "currency": "eur",
    "reminder_time": "08:00",
    "quiet_start": "22:00",
    "quiet_end": "07:00",
    "sex": None,
    "rule": None,
    "show_if": None,
    "builtin": None,  # a coach's own metric, named by them
    "counts": {ClientStatus.active: 1},
    "key": "q1",
    "token": "abc123",
    "metric": None,
    "hosted_invoice_url": "https://example.org/i",
    "invoice_pdf_url": "https://example.org/i.pdf",
    "payment_link_url": "https://example.org/p",
}


def build(hint: Any, text: str, name: str = "") -> Any:
    """A value of type `hint`, every free text in it `text`."""
    if name in MEANINGFUL:
        return MEANINGFUL[name]
    if hint is Any:
        return None
    if hint is CheckinSchedule:
        return CheckinSchedule(
            frequency=Frequency.weekly,
            local_time=time(8, 0),
            starts_on=date(2026, 3, 2),
            weekdays=(0,),
        )
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        try:
            return build(options[0], text, name)
        except TypeError:
            if len(options) < len(args):  # optional: left out
                return None
            raise
    if origin is typing.Literal:
        return args[0]
    if hint is str:
        return text
    if hint is bool:
        return True
    if hint is int:
        return 3
    if hint is float:
        return 72.5
    if hint is datetime:
        return datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    if hint is date:
        return date(2026, 3, 31)
    if hint is time:
        return time(8, 0)
    if hint is bytes:
        return b""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    if origin in (list, Sequence, typing.Sequence):
        return [build(args[0], text)]
    if origin is tuple:
        return (
            (build(args[0], text),)
            if len(args) == 2 and args[1] is Ellipsis
            else tuple(build(a, text) for a in args)
        )
    if origin in (dict, typing.Mapping) and args == (str, str):  # a text in each language
        return {"en": text, "de": text}
    if origin in (dict, typing.Mapping) or hint is dict:
        return {}
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(
            **{
                f.name: build(hints[f.name], text, f.name)
                for f in dataclasses.fields(hint)
                if f.init
            }
        )
    raise TypeError(f"no sample for {hint!r} ({name})")


def arguments(render: Callable[..., Any], text: str, **fixed: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(render)
    hints.pop("return", None)
    return {n: fixed[n] if n in fixed else build(h, text, n) for n, h in hints.items()}


def intake_card(intake: Intake, viewer: User) -> str:
    from coachbot.bot.clients.intake import render_intake

    return "\n".join(render_intake(intake, viewer))


def renderers() -> list[tuple[str, Callable[..., str], dict[str, Any]]]:
    from coachbot.bot.billing import client as billing_client
    from coachbot.bot.billing import texts as billing_texts
    from coachbot.bot.checkin_setup import plans
    from coachbot.bot.checkin_setup import texts as setup_texts
    from coachbot.bot.checkins import review
    from coachbot.bot.clients import add_client
    from coachbot.bot.clients import handlers as clients
    from coachbot.bot.forms import rendering
    from coachbot.bot.goals import texts as goals
    from coachbot.bot.invitations import handlers as invitations
    from coachbot.bot.progress import log_metric

    return [
        ("client card", clients.render_card, {}),
        ("client added", add_client.render_link, {"bot_username": "coachbot"}),
        ("check-in review card", review.render_card, {}),
        ("goals", goals.render_goals, {"coach": True}),
        ("client plan", billing_client.render_plan, {}),
        ("package", billing_texts.render_package, {"locale": "en"}),
        ("check-in plan", plans.render_plan, {}),
        ("templates", setup_texts.render_templates, {}),
        ("client billing", billing_texts.render_client_billing, {}),
        ("refund draft", billing_texts.render_draft, {}),
        ("intake", intake_card, {}),
        ("question", rendering.question_text, {}),
        ("invitations", invitations.render_invitations, {}),
        ("metric logged", log_metric.logged_text, {}),
        ("client list", clients.render_client_page, {"status": None}),
        ("template", setup_texts.render_template, {"selected": None}),
    ]


@pytest.fixture(autouse=True)
def english():
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        yield


@pytest.mark.parametrize("name", [name for name, _, _ in renderers()])
def test_every_card_shows_hostile_values_as_typed(name: str):
    _, render, fixed = next(r for r in renderers() if r[0] == name)
    shows_values = MARKER in visible(render(**arguments(render, MARKER, **fixed)), TEXT_LIMIT)
    assert shows_values, "the sample's free text should show somewhere on the card"
    for value in HOSTILE:
        shown = visible(render(**arguments(render, value, **fixed)), TEXT_LIMIT)
        assert shows(value, shown), (value[:20], shown[:300])
        assert "&amp;" not in shown and "&lt;" not in shown
