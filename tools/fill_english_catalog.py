"""English is the source language: its catalogue translates every message to itself, so
English copy can be edited in the catalogue without touching code.

Run by `make locales` after `pybabel update`.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "coachbot/locales/en/LC_MESSAGES/messages.po"


def main() -> None:
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = message.id
        elif not message.string:
            message.string = message.id
    with CATALOG.open("wb") as po_file:
        write_po(po_file, catalog, sort_output=True, omit_header=False, width=100)


if __name__ == "__main__":
    main()
