"""`coachbot import-clients FILE.csv --coach TELEGRAM_ID`: clients from a spreadsheet.

The file needs a header row; `name` is required, `email`, `phone`, `notes` and `tags`
are optional (tags separated by commas inside the cell). Comma- and semicolon-separated
files, with or without Excel's byte-order mark, are read alike.
"""

from __future__ import annotations

import csv
import io

from coachbot.bot.client import create_bot
from coachbot.bot.texts import start_link
from coachbot.config import Settings
from coachbot.container import build_container
from coachbot.domain.people.clients import ImportClients, ImportReport
from coachbot.storage import migrate

COLUMNS = frozenset({"name", "email", "phone", "notes", "tags"})


class UnusableFile(Exception):
    """The file as a whole cannot be read (no header, no name column, unknown columns)."""


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; line numbers as a spreadsheet shows them."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if "name" not in header:
        raise UnusableFile("the header row needs a 'name' column")
    unknown = sorted(set(header) - COLUMNS - {""})
    if unknown:
        raise UnusableFile(
            f"unknown column(s): {', '.join(unknown)}; use {', '.join(sorted(COLUMNS))}"
        )
    rows = []
    for row in reader:
        values = {key.strip().lower(): (value or "") for key, value in row.items() if key}
        if any(value.strip() for value in values.values()):
            rows.append((reader.line_num, values))
    return rows


def render_report(report: ImportReport, bot_username: str | None) -> str:
    lines = [f"Imported {len(report.imported)} client(s):"]
    for client in report.imported:
        token = client.invitation.token
        link = start_link(bot_username, token) if bot_username else f"/start {token}"
        lines.append(f"  line {client.line}: {client.name}  {link}")
    lines.append(f"Refused {len(report.refused)} row(s):")
    lines += [f"  line {row.line}: {row.reason}" for row in report.refused]
    if not bot_username and report.imported:
        lines.append("(Set BOT_TOKEN to get t.me links instead of /start commands.)")
    return "\n".join(lines)


async def import_clients(
    settings: Settings, rows: list[tuple[int, dict[str, str]]], coach_telegram_id: int
) -> ImportReport:
    await migrate.upgrade(settings.effective_database_url)
    container = build_container(settings)
    try:
        import_rows = container.use_cases.people.import_clients
        return await import_rows(ImportClients(coach_telegram_id=coach_telegram_id, rows=rows))
    finally:
        await container.close()


async def bot_username(settings: Settings) -> str | None:
    if settings.token is None:
        return None
    bot = create_bot(settings)
    try:
        return (await bot.me()).username
    finally:
        await bot.session.close()
