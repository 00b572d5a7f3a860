"""The agency vocabulary: codes, names and the aliases sources use."""

from __future__ import annotations

from collections import defaultdict

import pytest

from geo.agencies import agency_by_code, agency_codes, load_agencies, resolve_agency
from geo.gazetteer import fold_text


def test_codes_are_unique_and_parents_known() -> None:
    codes = agency_codes()
    assert len(codes) == len(set(codes))
    assert {"PNB", "FAES", "CICPC", "GNB", "FANB", "SEBIN"} <= set(codes)
    for agency in load_agencies():
        assert agency.parent in {"", *codes}, agency.code
        assert agency.name_es
        assert agency.name_en


def test_no_two_agencies_share_a_spelling() -> None:
    """Every code, name and alias points to one agency only (after folding accents)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for agency in load_agencies():
        for text in (agency.code, agency.name_es, agency.name_en, *agency.aliases):
            owners[fold_text(text)].add(agency.code)
    assert {key: codes for key, codes in owners.items() if len(codes) > 1} == {}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PNB", "PNB"),
        ("pnb", "PNB"),
        ("Policía Nacional", "PNB"),
        ("POLICIA NACIONAL BOLIVARIANA", "PNB"),
        ("PNB-FAES", "FAES"),
        ("FAES", "FAES"),
        ("Policía científica", "CICPC"),
        ("Cicpc", "CICPC"),
        ("Guardia Nacional", "GNB"),
        ("FANB (ZODI Barinas)", "FANB"),
        ("Ejército", "FANB"),
        ("Policía del Estado Aragua", "POLIARAGUA"),
        ("police (state)", "STATE_POLICE"),
        ("police (unspecified)", "POLICE_UNSPECIFIED"),
        ("  sebin ", "SEBIN"),
    ],
)
def test_resolve_agency(text: str, code: str) -> None:
    assert resolve_agency(text) == code


@pytest.mark.parametrize("text", ["", "Policía", "Guardia", "Interpol", "PN B"])
def test_unknown_agencies_resolve_to_none(text: str) -> None:
    assert resolve_agency(text) is None


def test_agency_by_code() -> None:
    faes = agency_by_code("FAES")
    assert faes is not None
    assert (faes.parent, faes.kind) == ("PNB", "national_police")
    assert "PNB-FAES" in faes.aliases
    assert agency_by_code("NOPE") is None
