"""What the web chat's page sends, checked as Telegram's apps and servers check it and
turned into the person's messages; errors become JSON answers the page shows."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from coachbot.sandbox.telegram_http import read_multipart
from coachbot.sandbox.telegram_models import TelegramError, image_size
from coachbot.sandbox.telegram_rules import CAPTION_LIMIT, TEXT_LIMIT
from coachbot.sandbox.telegram_server import FakeUser

# Every POST must carry this header: a cross-site form cannot add it, and a cross-site
# script that does is stopped by the CORS preflight this server never answers.
CSRF_HEADER = "X-Sandbox"
ALBUM_LIMIT = 10


class WebChatError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def send_files(request: web.Request, person: FakeUser) -> None:
    """Files chosen on the page, sent as a Telegram app sends them."""
    try:
        parsed = await read_multipart(await request.multipart())
    except TelegramError as error:
        raise WebChatError(error.status, "That is too large to send.") from error
    uploads = list(parsed.files.values())
    caption = str(parsed.values.get("caption", "")).strip() or None
    if not uploads:
        raise WebChatError(400, "Choose a file to send.")
    if len(uploads) > ALBUM_LIMIT:
        raise WebChatError(400, f"Send at most {ALBUM_LIMIT} files at once.")
    if caption and len(caption) > CAPTION_LIMIT:
        raise WebChatError(400, f"Captions are at most {CAPTION_LIMIT} characters.")
    if any(not upload.data for upload in uploads):
        raise WebChatError(400, "That file is empty.")
    album = secrets.token_hex(8) if len(uploads) > 1 else None
    for index, upload in enumerate(uploads):
        shown_caption = caption if index == 0 else None
        # Telegram apps send pictures as photos; anything else goes as a file.
        if image_size(upload.data) is not None:
            await person.send_photo(upload.data, caption=shown_caption, media_group_id=album)
        else:
            await person.send_document(
                upload.data,
                file_name=upload.filename or "file",
                mime_type=upload.content_type or "application/octet-stream",
                caption=shown_caption,
                media_group_id=album,
            )


async def send_location(person: FakeUser, location: Any) -> None:
    try:
        latitude = float(location["latitude"])
        longitude = float(location["longitude"])
    except (TypeError, KeyError, ValueError):
        raise WebChatError(400, "A location needs a latitude and a longitude.") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise WebChatError(400, "That is not a place on Earth.")
    await person.send_location(latitude, longitude)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """A long text as Telegram's apps send it: messages of at most `limit` characters,
    each cut at the last line break in its second half (or else the last space), and
    mid-word only where a part has no whitespace at all."""
    parts = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]  # whitespace just past the limit is a clean cut too
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(cut, window.rfind(" "), window.rfind("\t"))
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def check_csrf(request: web.Request) -> None:
    if request.headers.get(CSRF_HEADER) != "1":
        raise WebChatError(403, f"Requests must carry the {CSRF_HEADER} header.")


async def json_body(request: web.Request) -> dict[str, Any]:
    check_csrf(request)
    try:
        body = await request.json()
    except ValueError:
        raise WebChatError(400, "The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise WebChatError(400, "The request body must be a JSON object.")
    return body


def user_id_of(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise WebChatError(404, "There is no such person in the sandbox.") from None


def clean(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def answering_errors(handler: Handler) -> Handler:
    """A WebChatError becomes a JSON answer the page shows."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except WebChatError as error:
            return web.json_response({"error": error.message}, status=error.status)

    return handle
