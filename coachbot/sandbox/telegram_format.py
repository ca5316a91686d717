"""Telegram's message formatting (parse_mode) as the fake server needs it.

Limits such as "1-4096 characters" apply to the text *after* entity parsing, and a malformed
HTML or MarkdownV2 text is refused by Telegram with ``can't parse entities``. A bot that escapes
user input badly works in unit tests and fails in production; parsing here catches that.
The parsers follow Telegram's documented rules closely (supported tags, reserved characters,
nesting) without trying to be a byte-exact copy of TDLib: they return the visible text plus
MessageEntity dicts with UTF-16 offsets, as the Bot API returns them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_HTML_ATTR_RE = re.compile(r"([a-zA-Z-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")
_HTML_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


class FormatError(ValueError):
    """Telegram's ``can't parse entities`` error; str() is the part after that prefix."""


@dataclass
class FormattedText:
    """Visible text and its entities, as the Bot API reports a parsed message."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def normalize_parse_mode(parse_mode: str | None) -> str | None:
    """Canonical parse mode name; Telegram compares case-insensitively. Raises ValueError."""
    if not parse_mode:
        return None
    canonical = PARSE_MODES.get(parse_mode.lower())
    if canonical is None:
        raise ValueError(f"unsupported parse_mode {parse_mode!r}")
    return canonical


def parse_text(text: str, parse_mode: str | None) -> FormattedText:
    """Apply `parse_mode` (already normalized) to `text`. Raises FormatError."""
    if parse_mode == "HTML":
        return _HtmlParser(text).parse()
    if parse_mode == "MarkdownV2":
        return _MarkdownV2Parser(text).parse()
    if parse_mode == "Markdown":
        return _parse_legacy_markdown(text)
    return FormattedText(text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Open:
    kind: str
    offset: int  # UTF-16 offset in the output
    source_index: int  # index in the source text, for error messages
    extra: dict[str, Any] = field(default_factory=dict)
    tag: str = ""


class _Output:
    """Accumulates visible text and finished entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def close(self, opened: _Open, **extra: Any) -> None:
        length = self.offset - opened.offset
        if length > 0 and opened.kind:
            entity = {"type": opened.kind, "offset": opened.offset, "length": length}
            entity.update(opened.extra, **extra)
            self.entities.append(entity)

    def result(self) -> FormattedText:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), entities)


class _HtmlParser:
    """Telegram's HTML subset: known tags only, balanced, entities &lt; &gt; &amp; &quot;."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Output()
        self.stack: list[_Open] = []

    def _fail(self, message: str) -> NoReturn:
        raise FormatError(message)

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.text):
            start = self.text.find("<", i)
            if start < 0:
                start = len(self.text)
            self.out.add(_unescape_html(self.text[i:start]))
            i = self._tag(start) if start < len(self.text) else start
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        return self.out.result()

    def _tag(self, start: int) -> int:
        match = _HTML_TAG_RE.match(self.text, start)
        if match is None:
            bad = re.match(r"</?([^\s>]*)", self.text[start:])
            tag = bad.group(1) if bad else ""
            self._fail(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(self.text, start)}'
            )
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if closing:
            self._end_tag(name, start)
        else:
            self._start_tag(name, attrs, start)
        return match.end()

    def _start_tag(self, name: str, attrs: str, start: int) -> None:
        kind = _HTML_TAGS.get(name)
        if kind is None:
            offset = _byte_offset(self.text, start)
            self._fail(f'Unsupported start tag "{name}" at byte offset {offset}')
        values = {
            m.group(1).lower(): _unescape_html(next(g for g in m.groups()[1:] if g is not None))
            for m in _HTML_ATTR_RE.finditer(attrs)
        }
        extra = self._attributes(name, values, start)
        if name == "blockquote" and re.search(r"\bexpandable\b", attrs):
            kind = "expandable_blockquote"
        if name == "code" and self.stack and self.stack[-1].tag == "pre":
            kind = ""  # <pre><code class="language-x"> is one pre entity with a language
            language = values.get("class", "").removeprefix("language-")
            if language:
                self.stack[-1].extra["language"] = language
        self.stack.append(_Open(kind, self.out.offset, start, extra, tag=name))

    def _attributes(self, name: str, values: dict[str, str], start: int) -> dict[str, Any]:
        if name == "a":
            return {"url": values.get("href", "")}
        if name == "span" and values.get("class") != "tg-spoiler":
            offset = _byte_offset(self.text, start)
            self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji":
            return {"custom_emoji_id": values.get("emoji-id", "")}
        return {}

    def _end_tag(self, name: str, start: int) -> None:
        offset = _byte_offset(self.text, start)
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {offset}")
        opened = self.stack.pop()
        if opened.tag != name:
            self._fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        if opened.kind == "date_time":
            opened.kind = ""  # rendering of <tg-time> is client-side; no entity emulated
        self.out.close(opened)


def _unescape_html(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _HTML_NAMED_ENTITIES.get(name, match.group(0))

    return _HTML_ENTITY_RE.sub(replace, text)


class _MarkdownV2Parser:
    """MarkdownV2: every reserved character outside an entity must be escaped with '\\'."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Output()
        self.stack: list[_Open] = []
        self.quote: _Open | None = None

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.text):
            i = self._step(i)
        self._end_quote()
        if self.stack:
            opened = self.stack[-1]
            name = _MDV2_NAMES[opened.kind]
            offset = _byte_offset(self.text, opened.source_index)
            raise FormatError(f"Can't find end of {name} entity at byte offset {offset}")
        return self.out.result()

    def _step(self, i: int) -> int:
        text, char = self.text, self.text[i]
        if char == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
            self.out.add(text[i + 1])
            return i + 2
        top = self.stack[-1].kind if self.stack else None
        if top in ("code", "pre"):
            return self._in_code(i, top)
        if char == "\n":
            if not text.startswith(">", i + 1):
                self._end_quote()
            self.out.add(char)
            return i + 1
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            if self.quote is None:
                self.quote = _Open("blockquote", self.out.offset, i)
            return i + 1
        if char not in _MDV2_RESERVED:
            self.out.add(char)
            return i + 1
        return self._marker(i, top)

    def _in_code(self, i: int, top: str) -> int:
        fence = "```" if top == "pre" else "`"
        if self.text.startswith(fence, i):
            self.out.close(self.stack.pop())
            return i + len(fence)
        self.out.add(self.text[i])
        return i + 1

    def _marker(self, i: int, top: str | None) -> int:
        text = self.text
        two = text[i : i + 2]
        closing = {
            "bold": text[i] == "*",
            "italic": text[i] == "_" and two != "__",
            "underline": two == "__",
            "strikethrough": text[i] == "~",
            "spoiler": two == "||",
            "text_link": text[i] == "]",
            "custom_emoji": text[i] == "]",
        }
        if top is not None and closing.get(top):
            return self._close(i, top)
        return self._open(i)

    def _close(self, i: int, top: str) -> int:
        opened = self.stack.pop()
        if top in ("text_link", "custom_emoji"):
            url, end = self._url(i + 1)
            key = "url" if top == "text_link" else "custom_emoji_id"
            value = url if top == "text_link" else url.partition("id=")[2]
            if url:
                self.out.close(opened, **{key: value})
            return end
        self.out.close(opened)
        return i + (2 if top in ("underline", "spoiler") else 1)

    def _open(self, i: int) -> int:
        text, char = self.text, self.text[i]
        starts = {
            "__": ("underline", 2),
            "||": ("spoiler", 2),
            "![": ("custom_emoji", 2),
            "```": ("pre", 3),
        }
        for marker, (kind, width) in starts.items():
            if text.startswith(marker, i):
                return self._push(kind, i, width)
        singles = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link", "`": "code"}
        if char in singles:
            return self._push(singles[char], i, 1)
        raise FormatError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def _push(self, kind: str, i: int, width: int) -> int:
        opened = _Open(kind, self.out.offset, i)
        self.stack.append(opened)
        end = i + width
        if kind == "pre":
            newline = self.text.find("\n", end)
            closing = self.text.find("```", end)
            first_line = self.text[end:newline] if newline >= 0 else ""
            if 0 <= newline < closing and first_line and " " not in first_line:
                opened.extra["language"] = first_line
                end = newline + 1
        return end

    def _url(self, i: int) -> tuple[str, int]:
        """Parse ``(url)`` after a link's ']'; a missing URL leaves plain text, like Telegram."""
        if not self.text.startswith("(", i):
            return "", i
        chars: list[str] = []
        j = i + 1
        while j < len(self.text) and self.text[j] != ")":
            if self.text[j] == "\\" and j + 1 < len(self.text):
                j += 1
            chars.append(self.text[j])
            j += 1
        if j >= len(self.text):
            offset = _byte_offset(self.text, i)
            raise FormatError(f"Can't find end of a URL at byte offset {offset}")
        return "".join(chars), j + 1

    def _end_quote(self) -> None:
        if self.quote is not None:
            self.out.close(self.quote)
            self.quote = None


def _parse_legacy_markdown(text: str) -> FormattedText:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _Output()
    i = 0
    kinds = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in kinds:
            out.add(char)
            i += 1
            continue
        fence = "```" if text.startswith("```", i) else {"[": "]"}.get(char, char)
        end = text.find(fence, i + len(fence))
        if end < 0:
            offset = _byte_offset(text, i)
            raise FormatError(f"Can't find end of the entity starting at byte offset {offset}")
        opened = _Open("pre" if fence == "```" else kinds[char], out.offset, i)
        out.add(text[i + len(fence) : end])
        i = end + len(fence)
        if char == "[":
            url_end = text.find(")", i) if text.startswith("(", i) else -1
            opened.extra["url"] = text[i + 1 : url_end] if url_end >= 0 else ""
            i = url_end + 1 if url_end >= 0 else i
            if not opened.extra["url"]:
                continue
        out.close(opened)
    return out.result()
