"""Decoding one Bot API call's values against the spec's types (see `telegram_spec`).

A value is tried against each of its documented types in turn; scalars from forms and
query strings arrive as strings; uploads are referenced by name or ``attach://<name>``.
The error reported is the one of the type the value looks most like.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

SCALAR_TYPES = frozenset({"Integer", "String", "Boolean", "Float"})
ARRAY_PREFIX = "Array of "
_ATTACH_PREFIX = "attach://"
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class SpecError(Exception):
    """A call the Bot API refuses; `description` is the Telegram-style error text."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class _Unambiguous(SpecError):
    """An error no other alternative type can fix (e.g. a dangling attach:// reference)."""


class _Mismatch(Exception):
    """The value does not have the shape of the type tried (another alternative may fit)."""


def bad_request(message: str) -> NoReturn:
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


def _label(path: str) -> str:
    return f'parameter "{path}"'


def _preview(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class Decoder:
    """Decodes one call's values type by type, remembering which uploads were referenced."""

    def __init__(
        self, types: Mapping[str, ObjectSpec], files: Mapping[str, UploadedFile], form: bool
    ) -> None:
        self.types = types
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
        bad_request(f"{_label(path)} must be {' or '.join(types)}, got {_preview(raw)}")

    def _as_type(self, raw: Any, type_name: str, path: str, top: bool) -> Any:
        if type_name.startswith(ARRAY_PREFIX):
            return self._array(raw, type_name[len(ARRAY_PREFIX) :], path, top)
        if type_name in SCALAR_TYPES:
            return _decode_scalar(raw, type_name, from_form=top and self.form)
        if type_name == "InputFile":
            return self._input_file(raw, path)
        spec = self.types.get(type_name)
        if spec is None:
            bad_request(f"{_label(path)} has type {type_name}, which the spec subset lacks")
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
            bad_request(f'unknown field "{unknown[0]}" in {_label(path)} ({spec.name})')
        present = {name: value for name, value in obj.items() if value is not None}
        for f in spec.fields.values():
            if f.required and f.name not in present:
                bad_request(f"{_label(f'{path}.{f.name}')} is required ({spec.name})")
        return {
            name: self.value(value, spec.fields[name].types, f"{path}.{name}")
            for name, value in present.items()
        }

    def _union(self, raw: Any, spec: ObjectSpec, path: str, top: bool) -> dict[str, Any]:
        obj = self._container(raw, dict, path, top)
        by_tag = {self.types[name].tag: name for name in spec.subtypes}
        subtype = by_tag.get(obj.get("type"))
        if subtype is None:
            tags = ", ".join(str(tag) for tag in by_tag)
            bad_request(f"{_label(path + '.type')} must be one of {tags} ({spec.name})")
        return self._object(obj, self.types[subtype], path, False)

    def _container(self, raw: Any, kind: type, path: str, top: bool) -> Any:
        # Top-level objects travel JSON-encoded in forms; Telegram also accepts that in JSON.
        if top and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                bad_request(f"can't parse {_label(path)} as a JSON {kind.__name__}")
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
        if type_name.startswith(ARRAY_PREFIX):
            first = raw[0] if isinstance(raw, list) and raw else None
            return self._affinity(first, type_name[len(ARRAY_PREFIX) :])
        spec = self.types.get(type_name)
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
