"""Spreadsheet formula-injection guard for CSV text cells, reversible on re-import.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and Google Sheets (OWASP "CSV injection").
:func:`neutralise_cell` prefixes such cells with an apostrophe, which spreadsheets show as
plain text; :func:`restore_cell` undoes it exactly, so an exported file re-imports to the
same incidents. The pair is a bijection on strings: a text that already *starts* with
apostrophes followed by a trigger character gets one more apostrophe, and loses exactly
one on restore.

Only text cells are touched. Numbers (a longitude of ``-66.9``, a count) are written as
numbers by the exporter and never pass through these functions.
"""

from __future__ import annotations

from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell."""

GUARD: Final = "'"
"""The prefix that makes a spreadsheet show a cell as text."""


def needs_guard(text: str) -> bool:
    """True when ``text`` (after any leading apostrophes) starts with a formula trigger."""
    return text.lstrip(GUARD).startswith(FORMULA_TRIGGERS)


def neutralise_cell(text: str) -> str:
    """Return ``text`` safe to open in a spreadsheet.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("Cota 905")
    'Cota 905'
    """
    return GUARD + text if needs_guard(text) else text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralise_cell` (``restore_cell(neutralise_cell(s)) == s`` for every s).

    Importers call this on every text cell of a CSV, so exported files re-import unchanged.
    A cell that was never guarded comes back as it is, except the ambiguous
    ``'`` + trigger form, which only :func:`neutralise_cell` produces.
    """
    return text[1:] if text.startswith(GUARD) and needs_guard(text) else text
