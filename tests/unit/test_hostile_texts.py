"""Hostile values in every text the bot sends: markup-like names (`<b>`, `<u>x</u>`), `&`,
quotes, emoji, right-to-left text and 4000-character strings come out as typed (or
shortened), in valid Telegram HTML within Telegram's length limits. Notices are taken
from the renderer table itself, so a new notice type is covered the day it is added."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import re
import types
import typing
from typing import Any

import pytest

from coachbot.bot.i18n import create_i18n
from coachbot.bot.markup import Html, bold, escape, fit, fmt, join, long_text, plain
from coachbot.bot.notices import RENDERERS, notice_renderer
from coachbot.domain.outbox.model import TextPayload
from coachbot.domain.shared.notices import Notice
from coachbot.sandbox.telegram_format import parse_text
from coachbot.sandbox.telegram_rules import CAPTION_LIMIT, TEXT_LIMIT
from tests.unit.test_notices import SAMPLES_BY_NAME, SAMPLES_BY_TYPE, payload_of, text_of

LONG = "Ä" * 3990 + "<b>&"
HOSTILE = [
    "<b>",
    "&",
    "<u>x</u>",
    '"quoted" & <i>',
    "r&d, <script>",
    "💪🏽 Zoë 👩‍👩‍👧",
    "مرحبا עולם",  # right-to-left
    LONG,
]
MARKER = "Qzx"  # a benign value: where it shows, a hostile one must show too


def sample(kind: type[Notice], text: str) -> Notice:
    """The notice with every free-text field set to `text` (other fields mean something)."""
    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        if field.name in SAMPLES_BY_NAME:
            values[field.name] = SAMPLES_BY_NAME[field.name]
        elif str in options:
            values[field.name] = text
        else:
            values[field.name] = next(SAMPLES_BY_TYPE[o] for o in options if o in SAMPLES_BY_TYPE)
    return kind(**values)


def visible(html_text: str, limit: int) -> str:
    """What Telegram shows (it refuses the message when this raises), within `limit`."""
    shown = parse_text(html_text, "HTML").text
    assert 0 < len(shown.encode("utf-16-le")) // 2 <= limit
    return shown


def shows(value: str, shown: str) -> bool:
    """`value` is visible as typed, or its beginning when it was shortened."""
    return value in shown or (len(value) > 100 and value[:100] in shown and "…" in shown)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", sorted(RENDERERS, key=lambda k: k.__name__), ids=str)
def test_every_notice_shows_hostile_values_as_typed(kind: type[Notice], language: str):
    render = notice_renderer(create_i18n("en"))
    benign = render(payload_of(sample(kind, MARKER), language))
    limit = TEXT_LIMIT if isinstance(benign, TextPayload) else CAPTION_LIMIT
    shows_values = MARKER in visible(text_of(benign), limit)
    for value in HOSTILE:
        shown = visible(text_of(render(payload_of(sample(kind, value), language))), limit)
        assert not shows_values or shows(value, shown), (value[:20], shown[:300])
        assert "&amp;" not in shown and "&lt;" not in shown  # escaped once, not twice


@pytest.mark.parametrize("kind", sorted(RENDERERS, key=lambda k: k.__name__), ids=str)
def test_every_notice_fits_a_caption_when_a_photo_comes_with_it(kind: type[Notice]):
    """A voice note or photo passed on in a check-in's thread carries the notice as its
    caption, which Telegram limits to 1024 characters."""
    render = notice_renderer(create_i18n("en"))
    for value in HOSTILE:
        payload = dataclasses.replace(
            payload_of(sample(kind, value), "en"), attachment="file-1", attachment_kind="photo"
        )
        visible(text_of(render(payload)), CAPTION_LIMIT)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("<b>abc</b>", 10, "<b>abc</b>"),
        ("<b>abcdef</b> x", 4, "<b>abc…</b>"),
        ("<b>a<i>bc&amp;de</i></b>", 5, "<b>a<i>bc&amp;…</i></b>"),
        ("💪💪💪", 5, "💪💪…"),  # an emoji is two UTF-16 units
    ],
)
def test_fit_cuts_the_visible_text_and_closes_the_tags(text: str, limit: int, expected: str):
    assert fit(text, limit) == expected
    visible(fit(text, limit), limit)


@pytest.mark.parametrize("value", HOSTILE)
def test_the_text_helpers_escape_every_value_once_and_shorten_long_ones(value: str):
    line = fmt("<b>{name}</b> · {count:.1f} · {tags}", name=value, count=2, tags=join(" ", [value]))
    shown = visible(line, TEXT_LIMIT)
    assert shows(value, shown) and "2.0" in shown
    assert parse_text(line, "HTML").entities[0]["type"] == "bold"
    assert shows(value, visible(bold(value) + "\n" + long_text(value), TEXT_LIMIT))
    assert fmt("{a}", a=escape(value)) == escape(value)  # never escaped twice
    assert isinstance(fmt("{a}", a=value), Html)
    assert plain("{a}", a=value) == value  # a button label is not HTML


def test_a_4000_character_value_is_shortened_in_a_message():
    assert len(escape(LONG)) < 300 and escape(LONG).endswith("…")
    assert len(long_text(LONG)) <= 2000


BOT = pathlib.Path(__file__).parents[2] / "coachbot" / "bot"
TAG = re.compile(r"</?(b|i|u|s|a|code|pre|blockquote|tg-spoiler|span)\b[^<>]*>")


def formatting_by_hand(tree: ast.AST) -> list[tuple[int, str]]:
    """Places that put values into a text other than through `coachbot.bot.markup`:
    `str.format`/`format_map`, `%`, and f-strings that write HTML tags."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "format_map")
        ):
            found.append((node.lineno, f".{node.func.attr}()"))
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            found.append((node.lineno, "% formatting"))
        elif isinstance(node, ast.JoinedStr) and any(
            isinstance(part, ast.FormattedValue) for part in node.values
        ):
            literal = "".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            if TAG.search(literal):
                found.append((node.lineno, "f-string with HTML tags"))
    return found


def test_bot_texts_take_values_only_through_the_markup_helpers():
    """Every message is parsed as HTML, so a value formatted in by hand is one `<` away
    from a message Telegram refuses; `fmt` / `escape` / `bold` escape by construction."""
    offenders = [
        f"{path.relative_to(BOT.parent.parent)}:{line}: {what}"
        for path in sorted(BOT.rglob("*.py"))
        if path.name != "markup.py"
        for line, what in formatting_by_hand(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
