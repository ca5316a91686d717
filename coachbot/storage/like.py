"""Searching text with SQL LIKE: what a person typed matches itself only.

In LIKE, `%` and `_` are wildcards, so a search for "%" or "_" would match every row.
`like_pattern` escapes them (and the escape character itself) and wraps the text in `%`
for a substring match; pass `escape=LIKE_ESCAPE` with it, which SQLite and PostgreSQL
both understand:

    ClientRow.display_name.ilike(like_pattern(search), escape=LIKE_ESCAPE)
"""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """A LIKE pattern matching any text that contains `text` literally."""
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
