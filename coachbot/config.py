"""One Settings object read from the environment and `.env`.

Invalid configuration must stop the process at start with a message that names the
setting, so every field is validated here rather than where it is first used.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from coachbot.languages import available_languages

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigurationError(Exception):
    """Raised with a human-readable list of the settings that are wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    data_dir: Path = Path("data")
    database_url: str | None = None
    redis_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    log_level: LogLevel = "INFO"
    default_language: str = "en"
    default_timezone: str = "UTC"
    # Lifetime of client invitation links; coach invitations offer 1, 7 or 30 days.
    invitation_ttl_days: int = Field(default=7, ge=1, le=30)
    flood_limit: int = Field(default=20, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    # Telegram allows about 30 messages/s; more only with paid broadcasts.
    outbox_rate_per_second: int = Field(default=30, ge=1, le=1000)
    # Cap on sends under way at once per worker; it keeps rate x measured round trip x 1.5.
    outbox_max_in_flight: int = Field(default=16, ge=1, le=100)
    outbox_lease_seconds: float = Field(default=60.0, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Fernet keys that encrypt stored photos: the first encrypts, all decrypt (rotation).
    # Unset with SQLite: a key is generated in DATA_DIR/encryption.key.
    encryption_keys: Annotated[tuple[str, ...] | None, NoDecode] = Field(default=None, repr=False)
    # Largest photo accepted (bots can download files up to 20 MB).
    photo_max_mb: int = Field(default=20, ge=1, le=20)
    # How often the check-in ticks look for due check-ins and follow-ups.
    checkin_tick_seconds: float = Field(default=60.0, ge=1, le=3600)
    # The local sandbox (`make run` without BOT_TOKEN): where its web chat listens.
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    # Stripe billing: without a key, billing menus say billing is not configured.
    stripe_api_key: SecretStr | None = Field(default=None, repr=False)
    stripe_webhook_secret: SecretStr | None = Field(default=None, repr=False)
    stripe_api_base: str | None = None  # another Stripe API server (the local fake)
    # Webhooks signed longer ago, or further ahead, than this are refused.
    stripe_webhook_tolerance_seconds: int = Field(default=300, ge=10, le=3600)
    # Where people's browsers reach web/ (checkout return pages); default: WEBHOOK_URL's
    # origin, else http://WEBHOOK_HOST:WEBHOOK_PORT.
    public_url: str | None = None
    # How often failed payments and ended grace periods are looked for.
    billing_tick_seconds: float = Field(default=600.0, ge=1, le=86400)
    # At start-up, how long to keep trying to reach an unreachable database before exiting
    # (under a supervisor that starts the bot beside the database); 0: exit at once.
    database_retry_seconds: float = Field(default=0, ge=0, le=3600)
    # How long an update that failed because the database was out of reach (a restart, a
    # failover) is retried before the person is told it went wrong; in webhook mode
    # Telegram is then answered with an error and delivers it again later.
    update_retry_seconds: float = Field(default=30, ge=0, le=300)
    # Largest ZIP file of a client export (Telegram takes uploads up to 50 MB); larger
    # exports are split into parts of this size.
    export_part_mb: float = Field(default=49.5, gt=0, le=50)
    # Processes that draw charts and PDF reports, started at the first one (rendering
    # holds a process's GIL for tens of milliseconds). 0: draw in a thread of the bot's
    # own process, which then stalls its updates while drawing.
    render_processes: int = Field(default=1, ge=0, le=8)

    @property
    def photo_max_bytes(self) -> int:
        return self.photo_max_mb * 1024 * 1024

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_encryption_keys(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return tuple(part for part in parts if part) or None
        return value or None

    @field_validator("encryption_keys")
    @classmethod
    def _check_encryption_keys(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        from cryptography.fernet import Fernet

        for number, key in enumerate(value or (), start=1):
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    f"key {number} is not a Fernet key (32 url-safe base64-encoded bytes)"
                ) from None
        return value

    @field_validator("bot_token")
    @classmethod
    def _check_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("must look like 123456789:ABC... as given by @BotFather")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("telegram_api_url", "webhook_url", "stripe_api_base", "public_url")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else None

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in available_languages():
            raise ValueError(f"no translation for {value!r}; have {sorted(available_languages())}")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if secret and not all(c.isalnum() or c in "_-" for c in secret):
            raise ValueError("WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and -")
        if len(secret) > 256:
            raise ValueError("WEBHOOK_SECRET must be at most 256 characters")
        return self

    @model_validator(mode="after")
    def _check_stripe(self) -> Settings:
        key = self.stripe_api_key.get_secret_value() if self.stripe_api_key else ""
        if key and not key.startswith(("sk_", "rk_")):
            raise ValueError("STRIPE_API_KEY must be a secret key (sk_...) or restricted key")
        if key and not self.stripe_webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET is required when STRIPE_API_KEY is set")
        return self

    @property
    def billing_configured(self) -> bool:
        return self.stripe_api_key is not None and bool(self.stripe_api_key.get_secret_value())

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            return f"{parts.scheme}://{parts.netloc}"
        return f"http://{self.webhook_host}:{self.webhook_port}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'coachbot.sqlite3').resolve()}"

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None


def load_settings(**overrides: object) -> Settings:
    """Build Settings or raise ConfigurationError naming each bad environment variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # names checked by pydantic
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "configuration"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name.upper()}: {message}")
        raise ConfigurationError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
