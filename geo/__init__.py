"""zonas: the geospatial library behind the dashboard.

Usable without Streamlit: the CLI (``zonas`` / ``python -m geo``) and notebooks import it.
Modules, in data-flow order: :mod:`geo.config`, :mod:`geo.geodata`, :mod:`geo.gazetteer`,
:mod:`geo.incidents`, :mod:`geo.ingest`, :mod:`geo.store`, :mod:`geo.filters`,
:mod:`geo.aggregate`, :mod:`geo.maps`, :mod:`geo.charts`, :mod:`geo.export`, :mod:`geo.cli`.
"""

__version__ = "0.1.0"
