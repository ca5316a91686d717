"""How the web chat shows a Telegram message: safe HTML from text + entities, and a
JSON view of the message for the page.

The fake server stores messages the way the Bot API returns them: the visible text and
MessageEntity dicts with UTF-16 offsets (HTML and Markdown were already parsed by
`telegram_format`). Rendering starts from that, so every character the bot sent is escaped
and only the tags that stand for Telegram's entity types are produced. Like Telegram's
servers, links, e-mail addresses and /commands in plain text are detected and made
clickable; links that open this bot with a start parameter (invitations) point back into
the web chat.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from coachbot.sandbox.telegram_models import ChatMessage, FakeChat, StoredFile

FILES_PATH = "/sandbox/files/"
SAFE_SCHEMES = frozenset({"http", "https", "tg", "mailto", "tel"})
_URL_RE = re.compile(r"(?:https?://|(?<![\w./@-])t\.me/)[^\s<>\"']+", re.IGNORECASE)
_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
_TRAILING = ".,;:!?)]'\""
# Entities whose text is not searched for links (their text is code, or already a link).
_OPAQUE = frozenset(
    {"code", "pre", "text_link", "url", "email", "bot_command", "mention", "text_mention"}
)
_SIMPLE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "blockquote": "blockquote",
}


@dataclass(frozen=True)
class _Span:
    start: int  # Python string indices
    end: int
    entity: dict[str, Any]


def utf16_index_map(text: str) -> dict[int, int]:
    """UTF-16 offset -> index in `text`, for every character boundary."""
    mapping, offset = {}, 0
    for index, char in enumerate(text):
        mapping[offset] = index
        offset += 2 if ord(char) > 0xFFFF else 1
    mapping[offset] = len(text)
    return mapping


def render_html(text: str, entities: Sequence[dict[str, Any]] = (), *, bot_username: str) -> str:
    """The text as HTML: escaped, with entities (and detected links) as tags."""
    boundaries = utf16_index_map(text)
    spans = []
    for entity in entities:
        start = boundaries.get(int(entity.get("offset", -1)))
        end = boundaries.get(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if start is not None and end is not None and start < end:
            spans.append(_Span(start, end, entity))
    spans.extend(_detected(text, spans))
    return _Renderer(text, bot_username).render(spans)


def _detected(text: str, spans: Sequence[_Span]) -> list[_Span]:
    """Links, e-mails, mentions and /commands in text no entity already covers."""
    taken = [(span.start, span.end) for span in spans if span.entity.get("type") in _OPAQUE]
    found: list[_Span] = []
    patterns = (("url", _URL_RE), ("email", _EMAIL_RE), ("bot_command", _COMMAND_RE))
    for kind, pattern in (*patterns, ("mention", _MENTION_RE)):
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING:
                    end -= 1
            if end <= start or any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append(_Span(start, end, {"type": kind}))
    return found


class _Renderer:
    """Walks the text boundary by boundary, opening and closing tags like a stack.

    Telegram entities nest properly; should two overlap anyway, the inner one is closed
    and reopened around the boundary so the HTML stays well formed.
    """

    def __init__(self, text: str, bot_username: str) -> None:
        self.text = text
        self.bot_username = bot_username.lower()

    def render(self, spans: list[_Span]) -> str:
        points = sorted({0, len(self.text), *(s.start for s in spans), *(s.end for s in spans)})
        by_start: dict[int, list[_Span]] = {}
        for span in sorted(spans, key=lambda s: (s.start, -s.end)):
            by_start.setdefault(span.start, []).append(span)
        out: list[str] = []
        stack: list[_Span] = []
        for index, point in enumerate(points):
            self._close_ending(point, stack, out)
            for span in by_start.get(point, ()):
                out.append(self._open(span))
                stack.append(span)
            if index + 1 < len(points):
                out.append(html.escape(self.text[point : points[index + 1]], quote=False))
        return "".join(out)

    def _close_ending(self, point: int, stack: list[_Span], out: list[str]) -> None:
        reopen: list[_Span] = []
        while any(span.end <= point for span in stack):
            span = stack.pop()
            out.append(self._close(span))
            if span.end > point:
                reopen.append(span)
        for span in reversed(reopen):
            out.append(self._open(span))
            stack.append(span)

    def _open(self, span: _Span) -> str:
        entity = span.entity
        kind = entity.get("type", "")
        if kind in _SIMPLE_TAGS:
            return f"<{_SIMPLE_TAGS[kind]}>"
        if kind == "expandable_blockquote":
            return '<blockquote class="expandable">'
        if kind == "spoiler":
            return '<span class="tg-spoiler">'
        if kind == "pre":
            language = entity.get("language")
            css = f' class="language-{_attr(language)}"' if language else ""
            return f"<pre><code{css}>"
        if kind in ("text_link", "url", "email", "phone_number"):
            visible = self.text[span.start : span.end]
            return self._link(_target(kind, entity, visible))
        if kind == "bot_command":
            command = self.text[span.start : span.end].split("@")[0]
            return f'<a href="#" class="tg-command" data-command="{_attr(command)}">'
        return f'<span class="tg-{_attr(kind.replace("_", "-"))}">'

    def _close(self, span: _Span) -> str:
        kind = span.entity.get("type", "")
        if kind in _SIMPLE_TAGS:
            return f"</{_SIMPLE_TAGS[kind]}>"
        if kind == "expandable_blockquote":
            return "</blockquote>"
        if kind == "pre":
            return "</code></pre>"
        if kind in ("text_link", "url", "email", "phone_number", "bot_command"):
            return "</a>"
        return "</span>"

    def _link(self, url: str) -> str:
        start = deep_link_start(url, self.bot_username)
        if start is not None:
            href = chat_link(start)
            return f'<a href="{_attr(href)}" class="tg-deeplink" target="_blank">'
        if urlsplit(url).scheme.lower() not in SAFE_SCHEMES:
            return '<a class="tg-unsafe-link">'
        return f'<a href="{_attr(url)}" target="_blank" rel="noopener noreferrer">'


def _target(kind: str, entity: dict[str, Any], visible: str) -> str:
    if kind == "text_link":
        return str(entity.get("url", ""))
    if kind == "email":
        return f"mailto:{visible}"
    if kind == "phone_number":
        return f"tel:{visible}"
    return visible if "://" in visible else f"https://{visible}"


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def deep_link_start(url: str, bot_username: str) -> str | None:
    """The start parameter of a link that opens this bot (t.me/<bot>?start=X), if it is one."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower()
    if host not in ("t.me", "telegram.me") or parts.path.strip("/").lower() != bot_username:
        return None
    values = parse_qs(parts.query).get("start")
    return values[0] if values else ""


def chat_link(start: str) -> str:
    """Where the web chat opens a deep link: the page asks who opens it."""
    return f"/?start={quote(start, safe='')}" if start else "/"


# ---------------------------------------------------------------------------- messages


def message_view(message: ChatMessage, *, bot_username: str) -> dict[str, Any]:
    """What the page needs to draw one message (JSON-serialisable)."""
    payload = message.payload
    entities = payload.get("entities", payload.get("caption_entities", []))
    view: dict[str, Any] = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": payload.get("date", 0),
        "edited": "edit_date" in payload,
        "kind": message.kind,
        "html": render_html(message.text, entities, bot_username=bot_username),
        "protected": message.protect_content,
        "media_group_id": message.media_group_id,
        "files": [file_view(message.file)] if message.file else [],
        "inline_keyboard": [
            [_inline_button(button, bot_username) for button in row]
            for row in (message.sent_markup or {}).get("inline_keyboard", [])
        ],
    }
    if message.location:
        view["location"] = message.location
    if "forward_origin" in payload:
        sender = payload["forward_origin"].get("sender_user", {})
        view["forwarded_from"] = " ".join(
            part for part in (sender.get("first_name"), sender.get("last_name")) if part
        )
    replied = payload.get("reply_to_message")
    if replied:
        text = replied.get("text", replied.get("caption", ""))
        view["reply_to"] = {"id": replied.get("message_id"), "text": text[:120]}
    return view


def file_view(stored: StoredFile) -> dict[str, Any]:
    view: dict[str, Any] = {
        "url": FILES_PATH + quote(stored.file_id, safe=""),
        "kind": stored.kind,
        "size": stored.size,
    }
    if stored.kind == "photo":
        view.update(width=stored.width, height=stored.height)
    elif stored.kind == "voice":
        view.update(duration=stored.duration, mime_type=stored.mime_type)
    else:
        view.update(name=stored.file_name or "file", mime_type=stored.mime_type)
    return view


def _inline_button(button: dict[str, Any], bot_username: str) -> dict[str, Any]:
    view: dict[str, Any] = {"text": button.get("text", "")}
    if "callback_data" in button:
        view["data"] = button["callback_data"]
    elif "url" in button:
        url = str(button["url"])
        start = deep_link_start(url, bot_username)
        if start is not None:
            view["url"], view["deep_link"] = chat_link(start), True
        elif urlsplit(url).scheme.lower() in SAFE_SCHEMES:
            view["url"] = url
    elif "copy_text" in button:
        view["copy"] = button["copy_text"].get("text", "")
    return view


def reply_keyboard(chat: FakeChat) -> dict[str, Any] | None:
    """The reply keyboard the person sees now: the latest one the bot sent, unless a later
    message removed it, or it was one-time and the person has answered since."""
    current: dict[str, Any] | None = None
    shown_at = 0
    for message in chat.history:
        markup = message.sent_markup or {}
        if message.from_bot and "keyboard" in markup:
            current, shown_at = markup, message.message_id
        elif message.from_bot and markup.get("remove_keyboard"):
            current = None
    if current is None:
        return None
    if current.get("one_time_keyboard") and any(
        not m.from_bot and m.message_id > shown_at for m in chat.history
    ):
        return None
    rows = [[_reply_button(button) for button in row] for row in current["keyboard"]]
    return {"rows": rows, "placeholder": current.get("input_field_placeholder", "")}


def _reply_button(button: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(button, str):
        return {"text": button}
    view: dict[str, Any] = {"text": button.get("text", "")}
    if button.get("request_location"):
        view["request"] = "location"
    elif button.get("request_contact"):
        view["request"] = "contact"
    return view


def preview(message: ChatMessage | None) -> str:
    """One line for the account list, like Telegram's chat list."""
    if message is None:
        return ""
    labels = {"photo": "🖼 Photo", "document": "📄 File", "voice": "🎤 Voice message"}
    label = labels.get(message.kind, "📍 Location" if message.kind == "location" else "")
    text = " ".join(message.text.split())
    line = f"{label}, {text}" if label and text else label or text
    return line[:90]


def account_names(user: dict[str, Any]) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)
