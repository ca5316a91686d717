"""Telegram HTML built safely by construction.

Every message the bot sends is parsed as HTML (`parse_mode=HTML` is the bot's default), so
one unescaped `<` or `&` in a name, tag or answer makes Telegram refuse the whole message.
Texts are therefore built only here: a translated template (trusted: it is ours) is filled
with `fmt`, which escapes every value that is not already `Html` and shortens it, so no
single value can push a message past Telegram's limits. `Html` marks text that is already
markup (the result of `fmt`, `escape`, `bold`, `join`); anything else is a value.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from decimal import Decimal

__all__ = [
    "LONG_LIMIT",
    "VALUE_LIMIT",
    "Html",
    "as_plain",
    "bold",
    "code",
    "escape",
    "fit",
    "fmt",
    "italic",
    "join",
    "link",
    "long_text",
    "plain",
    "shorten",
    "stack",
]

VALUE_LIMIT = 200  # characters of one name, tag, title or label in a message
LONG_LIMIT = 2000  # characters of one free text (notes, an answer, a message) in a message
ELLIPSIS = "…"


class Html(str):
    """Text that is already Telegram HTML: inserted into a template as it is."""

    __slots__ = ()


def shorten(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, an ellipsis marking the cut."""
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def escape(value: object, limit: int = VALUE_LIMIT) -> Html:
    """A value as HTML that shows it as typed, shortened to `limit` characters."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(shorten(str(value), limit), quote=False))


def long_text(value: object, limit: int = LONG_LIMIT) -> Html:
    """A free text someone wrote (notes, an answer, a message): escaped, up to `limit`."""
    return escape(value, limit)


def _value(value: object) -> object:
    if isinstance(value, Html):
        return value
    if isinstance(value, int | float | Decimal):  # numbers keep their format specs
        return value
    return escape(value)


def fmt(template: str, /, **values: object) -> Html:
    """The (translated) template with every value escaped unless it is `Html`."""
    return Html(template.format_map({key: _value(value) for key, value in values.items()}))


def join(separator: str, parts: Iterable[object]) -> Html:
    """Parts joined by a literal separator (ours, so not escaped), each part escaped and
    shortened like a name unless it is `Html` (a free text goes in as `long_text`)."""
    return Html(separator.join(escape(part) for part in parts))


def bold(value: object) -> Html:
    return Html(f"<b>{escape(value)}</b>")


def italic(value: object) -> Html:
    return Html(f"<i>{escape(value)}</i>")


def code(value: object) -> Html:
    return Html(f"<code>{escape(value)}</code>")


def link(url: str, label: object) -> Html:
    """A link whose address and label are both escaped (an address is never shortened)."""
    return Html(f'<a href="{html.escape(url, quote=True)}">{escape(label)}</a>')


def plain(template: str, /, **values: object) -> str:
    """A text Telegram does not parse (a button label, a pop-up alert): values as they are."""
    return template.format_map(values)


_TAG = re.compile(r"<[^<>]*>")


def as_plain(text: str) -> str:
    """What an HTML text shows, for a place that takes plain text (a pop-up alert)."""
    return html.unescape(_TAG.sub("", text))


_TOKEN = re.compile(r"(<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>)|(&[#a-zA-Z0-9]+;)|([^<&]+|[<&])")


def _units(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """An HTML text whose visible part is at most `limit` characters (a caption's 1024):
    cut at the limit with an ellipsis, every tag still open closed again."""
    if _units(html.unescape(_TAG.sub("", text))) <= limit:
        return text
    out: list[str] = []
    open_tags: list[str] = []
    room = limit - 1  # for the ellipsis
    for match in _TOKEN.finditer(text):
        tag, closing, name, entity, chars = match.groups()
        if tag:
            out.append(tag)
            if closing:
                if open_tags and open_tags[-1] == name.lower():
                    open_tags.pop()
            else:
                open_tags.append(name.lower())
            continue
        piece = entity or chars
        shown = html.unescape(piece) if entity else piece
        if _units(shown) <= room:
            out.append(piece)
            room -= _units(shown)
            continue
        if chars:
            kept = ""
            for char in chars:
                if _units(kept + char) > room:
                    break
                kept += char
            out.append(kept)
        break
    out.append(ELLIPSIS)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return Html("".join(out))


def stack(parts: Iterable[str]) -> Html:
    """A message's lines, one under another. Each line is ours: a translated text or one
    built with `fmt` (values are escaped there, not here), so the block is `Html` and can
    go into a template whole (a caption under a client's name)."""
    return Html("\n".join(parts))
