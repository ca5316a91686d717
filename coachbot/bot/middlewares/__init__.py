"""Middlewares inject named values into handlers; none of them commits."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject

NextHandler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
"""What a middleware calls to pass the event on."""
