"""Shipped legal texts, versioned by folder: legal/<version>/<language>/<document>.html."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LEGAL_DIR = Path(__file__).resolve().parent.parent / "legal"
CURRENT_VERSION = "2026-11-25"
LEGAL_DOCUMENTS = ("privacy", "terms")  # what a client agrees to before onboarding
FALLBACK_LANGUAGE = "en"


@cache
def legal_text(document: str, language: str, version: str = CURRENT_VERSION) -> str:
    """The document in the language asked for, or in English when not translated."""
    folder = LEGAL_DIR / version
    path = folder / language / f"{document}.html"
    if not path.is_file():
        path = folder / FALLBACK_LANGUAGE / f"{document}.html"
    return path.read_text(encoding="utf-8").strip()
