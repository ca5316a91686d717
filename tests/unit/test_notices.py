"""Every notice type renders in English and German, and survives the outbox: typed
notice -> stored JSON -> the same notice (rows queued by the release before typed
notices render too)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest

from coachbot.bot.i18n import create_i18n
from coachbot.bot.notices import RENDERERS, notice_renderer
from coachbot.domain.billing.notices import PaymentReceipt
from coachbot.domain.checkins.notices import CheckinFeedback
from coachbot.domain.goals.notices import AchievementEarned
from coachbot.domain.notices import NOTICE_TYPES
from coachbot.domain.outbox.model import (
    NoticePayload,
    Payload,
    TextPayload,
    payload_from_json,
    payload_to_json,
)
from coachbot.domain.progress.notices import StoredFileNotice
from coachbot.domain.progress.report_files import STORED_DOCUMENT
from coachbot.domain.shared.notices import Notice, UnreadableNotice
from coachbot.sandbox.telegram_format import parse_text

# Values a field of that name needs to mean something (the rest follow their type).
SAMPLES_BY_NAME: dict[str, Any] = {
    "metric": "weight",
    "status": "approved",
    "interval": "month",
    "currency": "eur",
    "key": "streak:4",
    "details": {"checkins": 4},
    "invoice_url": "https://example.org/invoice",
    "pdf_url": "https://example.org/invoice.pdf",
    "clients": 2,
    "parts": 2,
}
SAMPLES_BY_TYPE: dict[Any, Any] = {
    str: "Ann <Lee> & Co",  # must come out escaped
    int: 3,
    float: 72.5,
    bool: True,
    datetime: datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
    date: date(2026, 3, 31),
}


def sample(kind: type[Notice]) -> Notice:
    hints = typing.get_type_hints(kind)
    values = {}
    for field in dataclasses.fields(kind):
        if field.name in SAMPLES_BY_NAME:
            values[field.name] = SAMPLES_BY_NAME[field.name]
            continue
        hint = hints[field.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        values[field.name] = next(SAMPLES_BY_TYPE[o] for o in options if o in SAMPLES_BY_TYPE)
    return kind(**values)


def payload_of(notice: Notice, language: str) -> NoticePayload:
    attached = isinstance(notice, StoredFileNotice)
    return NoticePayload(
        notice,
        language=language,
        timezone="Europe/Berlin",
        units="imperial" if language == "en" else "metric",
        attachment="blob-1" if attached else None,
        attachment_kind=STORED_DOCUMENT if attached else None,
    )


def text_of(payload: Payload) -> str:
    text = payload.text if isinstance(payload, TextPayload) else payload.caption  # type: ignore[union-attr]
    assert isinstance(text, str)
    return text


def test_every_stored_notice_type_has_a_renderer_and_no_other():
    assert set(RENDERERS) == set(NOTICE_TYPES.values())


@pytest.mark.parametrize("name", sorted(NOTICE_TYPES))
def test_every_notice_renders_in_english_and_german(name):
    render = notice_renderer(create_i18n("en"))
    notice = sample(NOTICE_TYPES[name])
    english, german = (text_of(render(payload_of(notice, lang))) for lang in ("en", "de"))
    for text in (english, german):
        assert parse_text(text, "HTML").text.strip()  # valid Telegram HTML, not empty
        assert "<Lee>" not in text  # what people typed is escaped
    assert english != german


@pytest.mark.parametrize("name", sorted(NOTICE_TYPES))
def test_a_stored_notice_round_trips(name):
    payload = payload_of(sample(NOTICE_TYPES[name]), "de")
    stored = json.loads(json.dumps(payload_to_json(payload)))
    assert stored["name"] == name
    assert payload_from_json(stored) == payload


def test_rows_queued_before_notices_were_typed_still_read():
    """The release before kept the reader's time zone and units among the params, and a
    badge's details next to its key."""
    receipt = {
        "kind": "notice",
        "name": "payment_receipt",
        "params": {
            "payment_id": 5,
            "amount": 4900,
            "currency": "eur",
            "package": "Coaching",
            "client_id": 7,
            "name": "Ann",
            "invoice_url": None,
            "pdf_url": None,
            "next": "2026-04-14T09:30:00+00:00",
            "timezone": "Europe/Berlin",
        },
        "language": "de",
        "attachment": None,
        "attachment_kind": None,
    }
    payload = payload_from_json(receipt)
    assert payload == NoticePayload(
        PaymentReceipt(
            payment_id=5,
            amount=4900,
            currency="eur",
            package="Coaching",
            client_id=7,
            name="Ann",
            next=datetime(2026, 4, 14, 9, 30, tzinfo=UTC),
        ),
        language="de",
        timezone="Europe/Berlin",
    )
    badge = {**receipt, "name": "achievement"}
    badge["params"] = {"key": "streak:4", "checkins": 4, "name": "Ann", "units": "imperial"}
    assert payload_from_json(badge) == NoticePayload(
        AchievementEarned(key="streak:4", details={"checkins": 4}, name="Ann"),
        language="de",
        units="imperial",
    )
    text = {"kind": "text", "text": "Hi", "parse_mode": "HTML", "buttons": []}
    assert payload_from_json(text) == TextPayload("Hi")


def test_a_row_nobody_can_read_fails_when_sent_not_when_claimed():
    row = {"kind": "notice", "name": "no_such_notice", "params": {}, "language": "en"}
    payload = payload_from_json(row)
    assert isinstance(payload, NoticePayload)
    assert isinstance(payload.notice, UnreadableNotice)
    with pytest.raises(KeyError):
        notice_renderer(create_i18n("en"))(payload)


def test_a_thread_message_names_its_check_in_in_the_readers_time_zone():
    feedback = CheckinFeedback(
        checkin_id=1, author="Ben", due=datetime(2026, 3, 14, 23, 30, tzinfo=UTC), text="Hi"
    )
    render = notice_renderer(create_i18n("en"))
    berlin = text_of(render(NoticePayload(feedback, timezone="Europe/Berlin")))
    utc = text_of(render(NoticePayload(feedback, timezone="UTC")))
    assert "Mar 15, 2026" in berlin and "Mar 14, 2026" in utc
