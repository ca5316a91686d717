"""The domain's captured locale facts are Babel's (CLDR) facts."""

from __future__ import annotations

from pathlib import Path

from tools.generate_locale_data import TARGET, render


def test_the_locale_table_is_what_babel_says_today():
    assert Path(TARGET).read_text() == render(), "run: python tools/generate_locale_data.py"
