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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

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

_SCALAR_TYPES = frozenset({"Integer", "String", "Boolean", "Float"})
_ARRAY_PREFIX = "Array of "
_ATTACH_PREFIX = "attach://"
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_TAG_RE = re.compile(r"must be (\w+)")


class SpecError(Exception):
    """A call the Bot API refuses; `description` is the Telegram-style error text."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class _Unambiguous(SpecError):
    """An error no other alternative type can fix (e.g. a dangling attach:// reference)."""


class _Mismatch(Exception):
    """The value does not have the shape of the type tried (another alternative may fit)."""


def _bad_request(message: str) -> NoReturn:
    raise SpecError(f"Bad Request: {message}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (what the Bot API calls an InputFile)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or field of an object."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class ObjectSpec:
    """An API object; unions (e.g. BotCommandScope) list `subtypes` instead of fields."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    tag: str | None = None  # the value its "type" field must have, e.g. "photo"


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
    while type_name.startswith(_ARRAY_PREFIX):
        type_name = type_name[len(_ARRAY_PREFIX) :]
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
        decoder = _Decoder(self, files, form)
        decoded = {
            name: decoder.value(value, method.fields_or_legacy(name).types, name, top=True)
            for name, value in params.items()
        }
        decoded = decoder.resolve_attachments(decoded)
        for name in files:
            if name not in decoder.referenced and name not in params:
                _bad_request(f'unknown parameter "{name}" (an uploaded file nothing refers to)')
        return decoded


def _check_parameter_names(method: MethodSpec, params: Mapping[str, Any]) -> None:
    for name in params:
        if method.parameter(name) is None:
            _bad_request(f'unknown parameter "{name}" for method {method.name}')
    for spec in method.fields.values():
        if spec.required and spec.name not in params:
            _bad_request(f'parameter "{spec.name}" is required')


def _label(path: str) -> str:
    return f'parameter "{path}"'


def _preview(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class _Decoder:
    """Decodes one call's values type by type, remembering which uploads were referenced."""

    def __init__(self, spec: ApiSpec, files: Mapping[str, UploadedFile], form: bool) -> None:
        self.spec = spec
        self.files = files
        self.form = form
        self.referenced: set[str] = set()

    def value(self, raw: Any, types: tuple[str, ...], path: str, *, top: bool = False) -> Any:
        """Decode `raw` as the first of `types` it fits; report the most plausible failure."""
        deeper: list[tuple[int, SpecError]] = []
        for type_name in types:
            try:
                return self._as_type(raw, type_name, path, top)
            except _Mismatch:
                continue
            except _Unambiguous:
                raise
            except SpecError as error:
                deeper.append((self._affinity(raw, type_name), error))
        if deeper:
            raise max(deeper, key=lambda item: item[0])[1]
        _bad_request(f"{_label(path)} must be {' or '.join(types)}, got {_preview(raw)}")

    def _as_type(self, raw: Any, type_name: str, path: str, top: bool) -> Any:
        if type_name.startswith(_ARRAY_PREFIX):
            return self._array(raw, type_name[len(_ARRAY_PREFIX) :], path, top)
        if type_name in _SCALAR_TYPES:
            return _decode_scalar(raw, type_name, from_form=top and self.form)
        if type_name == "InputFile":
            return self._input_file(raw, path)
        spec = self.spec.types.get(type_name)
        if spec is None:
            _bad_request(f"{_label(path)} has type {type_name}, which the spec subset lacks")
        if spec.subtypes:
            return self._union(raw, spec, path, top)
        return self._object(raw, spec, path, top)

    def _array(self, raw: Any, element: str, path: str, top: bool) -> list[Any]:
        items = self._container(raw, list, path, top)
        return [self._as_type(item, element, f"{path}[{i}]", False) for i, item in enumerate(items)]

    def _object(self, raw: Any, spec: ObjectSpec, path: str, top: bool) -> dict[str, Any]:
        obj = self._container(raw, dict, path, top)
        if spec.tag is not None and obj.get("type") != spec.tag:
            raise _Mismatch
        unknown = sorted(set(obj) - set(spec.fields))
        if unknown:
            _bad_request(f'unknown field "{unknown[0]}" in {_label(path)} ({spec.name})')
        present = {name: value for name, value in obj.items() if value is not None}
        for f in spec.fields.values():
            if f.required and f.name not in present:
                _bad_request(f"{_label(f'{path}.{f.name}')} is required ({spec.name})")
        return {
            name: self.value(value, spec.fields[name].types, f"{path}.{name}")
            for name, value in present.items()
        }

    def _union(self, raw: Any, spec: ObjectSpec, path: str, top: bool) -> dict[str, Any]:
        obj = self._container(raw, dict, path, top)
        by_tag = {self.spec.types[name].tag: name for name in spec.subtypes}
        subtype = by_tag.get(obj.get("type"))
        if subtype is None:
            tags = ", ".join(str(tag) for tag in by_tag)
            _bad_request(f"{_label(path + '.type')} must be one of {tags} ({spec.name})")
        return self._object(obj, self.spec.types[subtype], path, False)

    def _container(self, raw: Any, kind: type, path: str, top: bool) -> Any:
        # Top-level objects travel JSON-encoded in forms; Telegram also accepts that in JSON.
        if top and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                _bad_request(f"can't parse {_label(path)} as a JSON {kind.__name__}")
        if not isinstance(raw, kind):
            raise _Mismatch
        return raw

    def _input_file(self, raw: Any, path: str) -> UploadedFile:
        if isinstance(raw, UploadedFile):
            return raw
        if isinstance(raw, str) and raw.startswith(_ATTACH_PREFIX):
            return self._attachment(raw, path)
        raise _Mismatch

    def _attachment(self, reference: str, path: str) -> UploadedFile:
        name = reference[len(_ATTACH_PREFIX) :]
        if name not in self.files:
            raise _Unambiguous(
                f"Bad Request: {_label(path)} refers to {reference}, but no such file was uploaded"
            )
        self.referenced.add(name)
        return self.files[name]

    def resolve_attachments(self, value: Any, path: str = "") -> Any:
        """Replace nested ``attach://`` strings (InputMedia*.media/.thumbnail) by the uploads."""
        if isinstance(value, str) and value.startswith(_ATTACH_PREFIX) and _is_media_path(path):
            return self._attachment(value, path)
        if isinstance(value, dict):
            return {
                k: self.resolve_attachments(v, f"{path}.{k}" if path else k)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.resolve_attachments(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    def _affinity(self, raw: Any, type_name: str) -> int:
        """How well `raw` matches `type_name` (shared field names), to pick the best error."""
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return 0
        if type_name.startswith(_ARRAY_PREFIX):
            first = raw[0] if isinstance(raw, list) and raw else None
            return self._affinity(first, type_name[len(_ARRAY_PREFIX) :])
        spec = self.spec.types.get(type_name)
        if spec is None or not isinstance(raw, dict):
            return 0
        return len(set(raw) & set(spec.fields)) + 1


def _is_media_path(path: str) -> bool:
    return path.endswith((".media", ".thumbnail"))


def _decode_scalar(raw: Any, type_name: str, *, from_form: bool) -> Any:
    """Integer/Float/Boolean/String; form and query values arrive as strings."""
    if type_name == "String":
        if isinstance(raw, str):
            return raw
    elif type_name == "Integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if from_form and isinstance(raw, str) and _INT_RE.fullmatch(raw):
            return int(raw)
    elif type_name == "Float":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if from_form and isinstance(raw, str) and _FLOAT_RE.fullmatch(raw):
            return float(raw)
    elif isinstance(raw, bool):
        return raw
    elif from_form and isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    raise _Mismatch


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
        if name in _SCALAR_TYPES or name in seen:
            continue
        seen.add(name)
        spec = all_types[name]
        todo.extend(spec.get("subtypes", ()))
        todo.extend(t for f in spec.get("fields", ()) for t in f["types"])
    return seen
