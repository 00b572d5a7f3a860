"""The incident schema: one row per incident, its sources in a table of their own.

Inspired by ACLED's atomic events and by lethal-force monitors. Unknown counts stay
empty (``<NA>``), never 0; contested death tolls are ranges (``civilians_killed_min`` /
``_max``); time and place precision are explicit codes.

Columns of the incident frame (:data:`INCIDENT_COLUMNS`, a GeoDataFrame in EPSG:4326):

``incident_id``          stable id (``EV0009``, ``ACLED:VEN1234``, or ``H:<content hash>``)
``date``                 first day of the date-precision interval (datetime64)
``date_end``             last day of that interval (derived from ``date_precision``)
``date_precision``       ``day`` | ``week`` | ``month`` | ``year``
``operation``            operation as reported (free text)
``operation_family``     ``OLP`` | ``pre-OLP`` | ``Gran Cacique Guaicaipuro`` | ``related`` | ...
``place_name`` ...       reported place names: ``place_name``, ``barrio``, ``parish``,
                         ``municipality``, ``state`` (kept verbatim, never translated)
``lat``, ``lon``         reported coordinates (NaN when the source gives none)
``state_code``           ISO 3166-2 (``""`` when unknown); ``muni_code``, ``parish_code``
                         INE P-codes; ``zone_ids`` ``;``-separated zone ids
``geo_precision``        ``point`` | ``barrio`` | ``parish`` | ``municipality`` | ``state``
                         | ``unlocated``: the finest level the place is known to
``agencies``             ``;``-separated vocabulary codes (``data/agencies.csv``)
``agencies_reported``    the agency text as reported
``civilians_killed_min`` ... victim counts, nullable integers (see :data:`COUNT_COLUMNS`)
``fatalities_unsplit``   a total not split by side (ACLED ``fatalities``), never guessed apart
``description``, ``confidence`` (``low`` | ``medium`` | ``high``), ``notes``
``origin``               where the row came from (``seed``, an imported file name)
``content_hash``         hash of the row's content (idempotent re-import)
``geometry``             where the incident is drawn: the reported point, or the anchor
                         point of the finest unit known (see ``geo_precision``); empty
                         (None) when unlocated
"""

from __future__ import annotations

from typing import Final

DATE_PRECISIONS: Final = ("day", "week", "month", "year")
CONFIDENCES: Final = ("low", "medium", "high")

COUNT_COLUMNS: Final = (
    "civilians_killed_min",
    "civilians_killed_max",
    "civilians_injured",
    "officers_killed",
    "officers_injured",
    "detained",
    "fatalities_unsplit",
)
"""Victim counts, nullable ``Int64``: empty means unknown, never zero."""

PLACE_COLUMNS: Final = ("place_name", "barrio", "parish", "municipality", "state")
CODE_COLUMNS: Final = ("state_code", "muni_code", "parish_code", "zone_ids")

INCIDENT_COLUMNS: Final = (
    "incident_id",
    "date",
    "date_end",
    "date_precision",
    "operation",
    "operation_family",
    *PLACE_COLUMNS,
    "lat",
    "lon",
    *CODE_COLUMNS,
    "geo_precision",
    "agencies",
    "agencies_reported",
    *COUNT_COLUMNS,
    "description",
    "confidence",
    "notes",
    "origin",
    "content_hash",
    "geometry",
)

SOURCE_COLUMNS: Final = ("incident_id", "publisher", "date", "title", "url", "quote")
"""Columns of the sources table: one row per source of an incident (text columns)."""
