"""Reading Bot API calls off the wire, in every encoding Telegram accepts.

Bot API calls arrive as JSON, as urlencoded forms, as multipart forms (aiogram uses these when
uploading: files are parts referenced by ``attach://<name>``, nested objects are JSON strings)
or as GET query strings. Webhook responses may carry a call too (aiogram replies with a
multipart form naming the ``method``). All of them become one `ApiRequest`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientResponse, MultipartReader, web
from aiohttp.multipart import MultipartResponseWrapper

from coachbot.sandbox.telegram_decoding import UploadedFile
from coachbot.sandbox.telegram_models import TelegramError

MAX_BODY_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots


@dataclass
class ApiRequest:
    """Parameters of one call: `form` means every value is a string to be decoded."""

    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    form: bool = True


def _too_large() -> TelegramError:
    return TelegramError(413, "Request Entity Too Large")


async def read_api_request(request: web.Request) -> ApiRequest:
    """Parse a call from query string plus body (JSON, urlencoded or multipart)."""
    query = dict(request.query)
    if request.method == "GET" or not request.body_exists:
        return ApiRequest(query)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise _too_large()
    content_type = request.content_type
    if content_type == "application/json":
        body = await _read_json(request)
        return ApiRequest({**query, **body}, form=False)
    if content_type == "multipart/form-data":
        parsed = await read_multipart(await request.multipart())
        parsed.values = {**query, **parsed.values}
        return parsed
    if content_type in ("application/x-www-form-urlencoded", ""):
        form = await request.post()
        return ApiRequest({**query, **{k: str(v) for k, v in form.items()}})
    raise TelegramError(400, f"Bad Request: unsupported Content-Type {content_type}")


async def _read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError as error:
        raise TelegramError(400, "Bad Request: can't parse JSON body") from error
    if not isinstance(body, dict):
        raise TelegramError(400, "Bad Request: JSON body must be an object")
    return body


async def read_multipart(reader: MultipartReader | MultipartResponseWrapper) -> ApiRequest:
    """Collect text fields and file parts; a part with a filename is a file."""
    parsed = ApiRequest()
    total = 0
    while (part := await reader.next()) is not None:
        if isinstance(part, MultipartReader):
            raise TelegramError(400, "Bad Request: nested multipart bodies are not supported")
        data = await part.read(decode=True)
        total += len(data)
        if total > MAX_BODY_BYTES:
            raise _too_large()
        name = part.name or ""
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            parsed.files[name] = UploadedFile(part.filename, content_type, bytes(data))
        else:
            parsed.values[name] = data.decode(part.get_charset("utf-8"))
    return parsed


async def read_webhook_reply(response: ClientResponse) -> tuple[str, ApiRequest] | None:
    """A Bot API call the bot made in its webhook response body, if any."""
    content_type = response.content_type
    if content_type == "multipart/form-data":
        parsed = await read_multipart(MultipartReader.from_response(response))
    elif content_type == "application/json":
        body = await response.read()
        try:
            values = json.loads(body) if body.strip() else {}
        except ValueError:
            return None
        if not isinstance(values, dict):
            return None
        parsed = ApiRequest(values, form=False)
    else:
        return None
    method = parsed.values.pop("method", None)
    return (str(method), parsed) if method else None
