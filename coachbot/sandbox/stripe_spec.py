"""Stripe's request rules for the fake Stripe server: form decoding and parameter checks.

Stripe's clients send `application/x-www-form-urlencoded` bodies (and query strings) with
nested keys like `line_items[0][price]`. `decode_form` turns them back into the nested
structure; `check_params` refuses what the real API refuses (unknown parameter, missing
required one, wrong type or enum value) with the same error shape and wording, using the
trimmed official description in `stripe_api_spec.json` (see tools/trim_stripe_spec.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("stripe_api_spec.json")
FIXTURES_PATH = Path(__file__).with_name("stripe_fixtures.json")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class StripeApiError(Exception):
    """A refusal in Stripe's error format: {"error": {"type", "message", "param", "code"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
        return {"error": error}


@dataclass(frozen=True)
class Operation:
    key: str  # "POST /v1/products/{id}"
    path_parameters: tuple[str, ...]
    query: dict[str, Any]
    body: dict[str, Any]
    required: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern[str]:
        path = self.key.split(" ", 1)[1]
        return re.compile("^" + re.sub(r"\{[^}]+\}", r"([^/]+)", path) + "$")


@cache
def load_operations() -> tuple[Operation, ...]:
    raw = json.loads(SPEC_PATH.read_text())["operations"]
    return tuple(
        Operation(
            key,
            tuple(op["path_parameters"]),
            op["query"],
            op["body"],
            tuple(op["required"]),
        )
        for key, op in raw.items()
    )


@cache
def load_fixtures() -> dict[str, Any]:
    return json.loads(FIXTURES_PATH.read_text())["resources"]


def find_operation(method: str, path: str) -> tuple[Operation, list[str]]:
    """The operation for a request and the values of its path parameters."""
    for operation in load_operations():
        op_method = operation.key.split(" ", 1)[0]
        match = operation.pattern.match(path)
        if match and op_method == method:
            return operation, list(match.groups())
    raise StripeApiError(
        404, f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs"
    )


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=1` pairs into nested dicts; dicts keyed 0..n-1 become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise StripeApiError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeApiError(400, f"Invalid parameter: {key}", param=key)
            node = child
        node[parts[-1]] = value
    return _lists(root)


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _lists(v) for k, v in value.items()}
    keys = list(converted)
    numbered = keys and all(k.isdigit() for k in keys)
    if numbered and sorted(int(k) for k in keys) == list(range(len(keys))):
        return [converted[str(i)] for i in range(len(keys))]
    if keys == [""]:  # expand[]=a as sent by some clients
        return [converted[""]]
    return converted


def check_params(operation: Operation, method: str, params: dict[str, Any]) -> None:
    schema = operation.query if method in ("GET", "DELETE") else operation.body
    for name in params:
        if name not in schema:
            raise StripeApiError(400, f"Received unknown parameter: {name}", param=name)
    for name in operation.required:
        if name not in params:
            raise StripeApiError(400, f"Missing required param: {name}.", param=name)
    for name, value in params.items():
        _check(schema[name], value, name)


def _check(schema: dict[str, Any], value: Any, name: str) -> None:
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                _check(option, value, name)
                return
            except StripeApiError as error:
                errors.append(error)
        # The most specific refusal: one about a nested parameter if any.
        raise max(errors, key=lambda e: len(e.param or ""))
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v != "")
        raise StripeApiError(400, f"Invalid {name}: must be one of {allowed}", param=name)
    if kind == "object":
        _check_object(schema, value, name)
    elif kind == "array":
        if not isinstance(value, list):
            raise StripeApiError(400, f"Invalid array: {name}", param=name)
        for index, item in enumerate(value):
            _check(schema.get("items", {}), item, f"{name}[{index}]")
    elif kind in ("integer", "number", "boolean", "string"):
        _check_scalar(kind, value, name)


def _check_object(schema: dict[str, Any], value: Any, name: str) -> None:
    if not isinstance(value, dict):
        raise StripeApiError(400, f"Invalid object: {name}", param=name)
    properties = schema.get("properties", {})
    if properties or not schema.get("additionalProperties"):
        for key in value:
            if key not in properties:
                raise StripeApiError(
                    400, f"Received unknown parameter: {name}[{key}]", param=f"{name}[{key}]"
                )
    for key in schema.get("required", []):
        if key not in value:
            raise StripeApiError(
                400, f"Missing required param: {name}[{key}].", param=f"{name}[{key}]"
            )
    for key, item in value.items():
        if key in properties:
            _check(properties[key], item, f"{name}[{key}]")
        elif not isinstance(item, str):
            raise StripeApiError(400, f"Invalid string: {name}[{key}]", param=f"{name}[{key}]")


def _check_scalar(kind: str, value: Any, name: str) -> None:
    if not isinstance(value, str):
        raise StripeApiError(400, f"Invalid {kind}: {name}", param=name)
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        raise StripeApiError(400, f"Invalid integer: {value}", param=name)
    if kind == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise StripeApiError(400, f"Invalid number: {value}", param=name)
    if kind == "boolean" and value not in ("true", "false"):
        raise StripeApiError(400, f"Invalid boolean: {value}", param=name)
