"""The Bot API description the fake Telegram server validates every call against.

The fake must refuse what the real Bot API refuses, otherwise tests pass against calls that
fail in production. Rather than hand-writing parameter lists we load a subset of the scraped
official API description (`telegram_api_spec.json`) and check each call structurally: known
method, every required parameter present, every value of the documented type, nested objects
with their own required fields.

Deliberate strictness: real Telegram silently ignores unknown parameters and unknown object
fields. The fake rejects them, so a typo such as ``callback_date`` fails loudly in tests
instead of producing a button without data. A few legacy parameters that Telegram still honours
(``reply_to_message_id`` and friends) are accepted; see `LEGACY_PARAMETERS`.

The values themselves are decoded type by type in `telegram_decoding`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coachbot.sandbox.telegram_decoding import (
    ARRAY_PREFIX,
    SCALAR_TYPES,
    Decoder,
    FieldSpec,
    ObjectSpec,
    UploadedFile,
    bad_request,
)

SPEC_PATH = Path(__file__).with_name("telegram_api_spec.json")
SOURCE_NOTE = (
    "subset of github.com/PaulSonOfLars/telegram-bot-api-spec api.json (MIT), Bot API 10.1, "
    "copied from shared/specs/telegram-bot-api.json"
)

# Methods the bot may call. To support another method: add it here, regenerate the subset with
# `build_spec_subset("/work/shared/specs/telegram-bot-api.json")` and give the server a handler.
BOT_METHODS: tuple[str, ...] = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendVoice",
    "sendLocation",
    "sendMediaGroup",
    "sendChatAction",
    "copyMessage",
    "forwardMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "getFile",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "getMyDescription",
    "setMyShortDescription",
    "getMyShortDescription",
    "setChatMenuButton",
    "getChatMenuButton",
)

# Parameters dropped from the documentation that Telegram (and aiogram's deprecated
# arguments) still use: name -> (types, documented parameter a method must have to accept it).
LEGACY_PARAMETERS: dict[str, tuple[tuple[str, ...], str]] = {
    "reply_to_message_id": (("Integer",), "reply_parameters"),
    "allow_sending_without_reply": (("Boolean",), "reply_parameters"),
    "disable_web_page_preview": (("Boolean",), "link_preview_options"),
}

_TAG_RE = re.compile(r"must be (\w+)")


@dataclass(frozen=True)
class MethodSpec:
    """An API method and its parameters."""

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]

    def parameter(self, name: str) -> FieldSpec | None:
        """The documented parameter, or an accepted legacy one, or None."""
        if name in self.fields:
            return self.fields[name]
        legacy = LEGACY_PARAMETERS.get(name)
        if legacy and legacy[1] in self.fields:
            return FieldSpec(name, legacy[0], required=False)
        return None

    def fields_or_legacy(self, name: str) -> FieldSpec:
        """Like `parameter`, for names already known to be accepted."""
        spec = self.parameter(name)
        if spec is None:
            raise KeyError(name)
        return spec


def _field_specs(raw_fields: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw_fields
    }


def _object_spec(raw: Mapping[str, Any]) -> ObjectSpec:
    fields = _field_specs(raw.get("fields", ()))
    tag = None
    if "type" in fields:
        type_field = next(f for f in raw["fields"] if f["name"] == "type")
        match = _TAG_RE.search(type_field.get("description", ""))
        tag = match.group(1) if match else None
    return ObjectSpec(raw["name"], fields, tuple(raw.get("subtypes", ())), tag)


def _element_type(type_name: str) -> str:
    while type_name.startswith(ARRAY_PREFIX):
        type_name = type_name[len(ARRAY_PREFIX) :]
    return type_name


class ApiSpec:
    """Methods and types of the Bot API, with structural validation of calls."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw["version"]
        self.types = {name: _object_spec(t) for name, t in raw["types"].items()}
        self.methods = {
            name.lower(): MethodSpec(name, _field_specs(m.get("fields", ())), tuple(m["returns"]))
            for name, m in raw["methods"].items()
        }

    @classmethod
    def load(cls, path: Path | str = SPEC_PATH) -> ApiSpec:
        """Load a spec file (the bundled subset by default)."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as Telegram does."""
        return self.methods.get(name.lower())

    def validate(
        self,
        method: MethodSpec,
        values: Mapping[str, Any],
        files: Mapping[str, UploadedFile],
        *,
        form: bool,
    ) -> dict[str, Any]:
        """Check a call and return its decoded parameters, or raise `SpecError`.

        `values` come from a JSON body (typed) or a form/query string (`form=True`, every value
        a string, nested objects JSON-encoded). Uploaded `files` are referenced either by a
        parameter of the same name or by an ``attach://<name>`` value; in the result they are
        `UploadedFile` objects wherever they were referenced.
        """
        params = {name: value for name, value in values.items() if value is not None}
        params.update({name: f for name, f in files.items() if method.parameter(name)})
        _check_parameter_names(method, params)
        decoder = Decoder(self.types, files, form)
        decoded = {
            name: decoder.value(value, method.fields_or_legacy(name).types, name, top=True)
            for name, value in params.items()
        }
        decoded = decoder.resolve_attachments(decoded)
        for name in files:
            if name not in decoder.referenced and name not in params:
                bad_request(f'unknown parameter "{name}" (an uploaded file nothing refers to)')
        return decoded


def _check_parameter_names(method: MethodSpec, params: Mapping[str, Any]) -> None:
    for name in params:
        if method.parameter(name) is None:
            bad_request(f'unknown parameter "{name}" for method {method.name}')
    for spec in method.fields.values():
        if spec.required and spec.name not in params:
            bad_request(f'parameter "{spec.name}" is required')


@lru_cache(maxsize=4)
def load_spec(path: Path | str = SPEC_PATH) -> ApiSpec:
    """The parsed spec, cached: every server instance shares it."""
    return ApiSpec.load(path)


def build_spec_subset(
    full_spec_path: Path | str,
    out_path: Path | str | None = SPEC_PATH,
    methods: Iterable[str] = BOT_METHODS,
) -> dict[str, Any]:
    """Cut `methods` and the types their parameters need out of the full API description.

    Types are followed transitively (fields and union subtypes) so that nested objects can be
    validated. Writes the subset to `out_path` unless it is None; returns it either way.
    """
    full = json.loads(Path(full_spec_path).read_text(encoding="utf-8"))
    wanted = list(methods)
    missing = [name for name in wanted if name not in full["methods"]]
    if missing:
        raise KeyError(f"methods not in {full_spec_path}: {', '.join(missing)}")
    chosen = {name: full["methods"][name] for name in wanted}
    type_names = _referenced_types(chosen.values(), full["types"])
    subset = {
        "_source": SOURCE_NOTE,
        "version": full["version"],
        "release_date": full.get("release_date"),
        "methods": chosen,
        "types": {name: full["types"][name] for name in sorted(type_names)},
    }
    if out_path is not None:
        text = json.dumps(subset, indent=1, ensure_ascii=False)
        Path(out_path).write_text(text + "\n", encoding="utf-8")
    return subset


def _referenced_types(
    methods: Iterable[Mapping[str, Any]], all_types: Mapping[str, Any]
) -> set[str]:
    todo = [t for m in methods for f in m.get("fields", ()) for t in f["types"]]
    seen: set[str] = set()
    while todo:
        name = _element_type(todo.pop())
        if name in SCALAR_TYPES or name in seen:
            continue
        seen.add(name)
        spec = all_types[name]
        todo.extend(spec.get("subtypes", ()))
        todo.extend(t for f in spec.get("fields", ()) for t in f["types"])
    return seen
