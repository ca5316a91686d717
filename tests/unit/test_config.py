from __future__ import annotations

import pytest

from coachbot.config import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """Settings read the environment and `.env`: start every test from neither."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
        "ADMIN_IDS",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "DEFAULT_TIMEZONE",
        "DEFAULT_LANGUAGE",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_run_on_an_sqlite_file_in_the_data_folder():
    settings = load_settings()
    assert settings.token is None
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("data/coachbot.sqlite3")
    assert settings.redis_url is None


def test_admin_ids_are_read_from_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "11, 22,33")
    assert load_settings().admin_ids == {11, 22, 33}


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("BOT_TOKEN=42:abc\nADMIN_IDS=7\n")
    settings = load_settings()
    assert settings.token == "42:abc" and settings.admin_ids == {7}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("REDIS_URL", "localhost:6379"),
        ("ADMIN_IDS", "12,abc"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LANGUAGE", "xx"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_API_URL", "ftp://example.org"),
    ],
)
def test_invalid_setting_is_named_in_the_error(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert variable in str(error.value)


def test_webhook_needs_a_secret(monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram/webhook")
    with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces")
    with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_token-1")
    assert load_settings().webhook_secret is not None


def test_stripe_needs_a_secret_key_and_the_webhook_secret(monkeypatch):
    for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    assert not load_settings().billing_configured
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_1")
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET is required"):
        load_settings()
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_1")
    settings = load_settings()
    assert settings.billing_configured
    assert settings.effective_public_url == "http://127.0.0.1:8081"
    assert "sk_test_1" not in repr(settings)
    monkeypatch.setenv("STRIPE_API_KEY", "pk_test_1")
    with pytest.raises(ConfigurationError, match="secret key"):
        load_settings()


def test_the_public_url_follows_the_webhook_url(monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram/webhook")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    assert load_settings().effective_public_url == "https://bot.example.org"
