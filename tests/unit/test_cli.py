from __future__ import annotations

import subprocess
import sys

from coachbot.cli import main


def test_run_without_a_token_says_how_to_get_one_in_two_lines_and_exits_2(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert "@BotFather" in err[0] and "BOT_TOKEN" in err[1]


def test_invalid_configuration_stops_with_the_setting_named(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere/Land")
    assert main(["run"]) == 2
    assert "DEFAULT_TIMEZONE" in capsys.readouterr().err


def test_migrate_command_creates_the_schema(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "fresh.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    result = subprocess.run(
        [sys.executable, "-m", "coachbot", "migrate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "coaches", "clients", "invitations", "audit_log"} <= tables


def test_production_without_an_encryption_key_does_not_start(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "ENCRYPTION_KEYS" in err and "Fernet.generate_key()" in err
