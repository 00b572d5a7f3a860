"""The agency vocabulary (``data/agencies.csv``): codes, names, kinds and aliases.

Reported agency text ("Policía Nacional", "PNB-FAES", "FANB (ZODI Barinas)") is mapped
to vocabulary codes through the ``aliases`` column; matching ignores accents, case and
punctuation (:func:`geo.gazetteer.fold_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from geo.config import data_dir
from geo.gazetteer import fold_text


@dataclass(frozen=True)
class Agency:
    """One agency of the vocabulary."""

    code: str
    name_es: str
    name_en: str
    kind: str
    parent: str
    aliases: tuple[str, ...]


@cache
def load_agencies() -> tuple[Agency, ...]:
    """Return the vocabulary in file order."""
    frame = pd.read_csv(data_dir() / "agencies.csv", dtype=str, keep_default_na=False)
    return tuple(
        Agency(
            code=row["code"],
            name_es=row["name_es"],
            name_en=row["name_en"],
            kind=row["kind"],
            parent=row["parent"],
            aliases=tuple(alias.strip() for alias in row["aliases"].split("|") if alias.strip()),
        )
        for row in frame.to_dict("records")
    )


@cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for agency in load_agencies():
        for name in (agency.code, agency.name_es, agency.name_en, *agency.aliases):
            index.setdefault(fold_text(name), agency.code)
    return index


def agency_codes() -> tuple[str, ...]:
    """Return all vocabulary codes in file order."""
    return tuple(agency.code for agency in load_agencies())


def resolve_agency(text: str) -> str | None:
    """Return the vocabulary code for an agency code, name or alias, or ``None``."""
    return _alias_index().get(fold_text(text))


def agency_by_code(code: str) -> Agency | None:
    """Return the agency with this code, if any."""
    return next((agency for agency in load_agencies() if agency.code == code), None)
