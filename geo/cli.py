"""The ``zonas`` command line (also ``python -m geo``).

Subcommands: ``zones`` (list, import), ``import``, ``stats``, ``export``, ``bench``,
``db`` (init, copy). Filter options are the same everywhere (:func:`add_filter_options`)
and build the same :class:`~geo.filters.Filter` the app uses.

Exit status: 0 success, 1 some input rows rejected / a check failed, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from geo.filters import Filter, FilterError
from geo.i18n import _, argparse_in_language, language_from_env, use_language

if TYPE_CHECKING:
    import pandas as pd

Command = Callable[[argparse.Namespace], int]


# ---------------------------------------------------------------------- shared options
def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """Add the filter options every data command shares."""
    group = parser.add_argument_group(_("filters"))
    group.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("first day"))
    group.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("last day"))
    group.add_argument(
        "--agency", action="append", default=[], metavar="CODE",
        help=_("agency code or alias (repeatable)"),
    )  # fmt: skip
    group.add_argument(
        "--operation", action="append", default=[], metavar="FAMILY",
        help=_("operation family, e.g. OLP (repeatable)"),
    )  # fmt: skip
    group.add_argument(
        "--state", action="append", default=[], metavar="STATE",
        help=_("state ISO code or name (repeatable)"),
    )  # fmt: skip
    group.add_argument(
        "--municipality", action="append", default=[], metavar="CODE",
        help=_("municipality P-code or name (repeatable)"),
    )  # fmt: skip
    group.add_argument(
        "--zone", action="append", default=[], metavar="ZONE_ID", help=_("zone id (repeatable)")
    )
    group.add_argument("--min-confidence", choices=["low", "medium", "high"])
    group.add_argument(
        "--precise-only", action="store_true",
        help=_("leave out incidents known only to a municipality or state"),
    )  # fmt: skip


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store`` (GeoPackage path or postgresql:// URL; default ``ZONAS_STORE``)."""
    parser.add_argument(
        "--store", default=None,
        help=_("GeoPackage path or postgresql:// URL (default: $ZONAS_STORE or var/zonas.gpkg)"),
    )  # fmt: skip


def filter_from_args(args: argparse.Namespace) -> Filter:
    """Build the :class:`Filter` from parsed filter options, resolving names to codes.

    Raises
    ------
    FilterError
        If a date, state, municipality or agency cannot be resolved.
    """
    from geo.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()

    def parse_day(text: str | None, name: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise FilterError(_("{name}: {text!r} is not a date (use YYYY-MM-DD)").format(
                name=name, text=text)) from error  # fmt: skip

    states = []
    for text in args.state:
        code = gazetteer.resolve_state(text)
        if code is None:
            hint = ", ".join(gazetteer.suggest(text, level="state"))
            message = _("--state: unknown state {text!r}").format(text=text)
            if hint:
                message += _(" — did you mean {hint}?").format(hint=hint)
            raise FilterError(message)
        states.append(code)
    municipalities = []
    for text in args.municipality:
        found = gazetteer.find(text, level="municipality")
        if states:
            found = [p for p in found if p.state_code in states]
        if len(found) != 1:
            raise FilterError(
                _("--municipality: {text!r} matches {n} municipalities; give its P-code "
                  "or a --state").format(text=text, n=len(found))
            )  # fmt: skip
        municipalities.append(found[0].code)
    from geo.agencies import resolve_agency

    agencies = []
    for text in args.agency:
        code = resolve_agency(text)
        if code is None:
            raise FilterError(_("--agency: unknown agency {text!r}").format(text=text))
        agencies.append(code)
    return Filter(
        date_from=parse_day(args.date_from, "--from"),
        date_to=parse_day(args.date_to, "--to"),
        agencies=tuple(agencies),
        operations=tuple(args.operation),
        states=tuple(states),
        municipalities=tuple(municipalities),
        zones=tuple(args.zone),
        min_confidence=args.min_confidence,
        include_low_precision=not args.precise_only,
    )


# ---------------------------------------------------------------------- zones
def _cmd_zones_list(args: argparse.Namespace) -> int:
    from geo.zones import all_zones, format_zone_table

    for line in format_zone_table(all_zones(store_location=args.store)):
        print(line)
    return 0


def _cmd_zones_import(args: argparse.Namespace) -> int:
    from geo.zones import import_user_zones

    return import_user_zones(args.file, store_location=args.store)


def _add_zones(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    zones = sub.add_parser("zones", help=_("list operation and peace zones, import your own"))
    add_store_option(zones)
    zones.set_defaults(func=_cmd_zones_list)
    zones_sub = zones.add_subparsers(dest="zones_command")
    listing = zones_sub.add_parser("list", help=_("list the zones (default)"))
    add_store_option(listing)
    listing.set_defaults(func=_cmd_zones_list)
    importing = zones_sub.add_parser("import", help=_("add zones from a GeoJSON file"))
    importing.add_argument("file", help=_("GeoJSON file of polygons with zone_id and name"))
    add_store_option(importing)
    importing.set_defaults(func=_cmd_zones_import)


# ---------------------------------------------------------------------- import
def _cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.ingest import default_rejects_path, prepare_file, write_batch

    batch = prepare_file(args.path, fmt=args.format, strict=args.strict)
    if batch.unreadable or args.dry_run:
        report = write_batch(batch, None, dry_run=args.dry_run)
    else:
        from geo.store import open_store

        rejects = Path(args.rejects) if args.rejects else default_rejects_path(args.path)
        report = write_batch(batch, open_store(args.store), rejects_path=rejects)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(report.summary())
    if report.rejects_path is not None:
        print(_("rejected rows written to {path}").format(path=report.rejects_path))
    return report.exit_code()


def _add_import(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import", help=_("import incidents from a CSV, XLSX, GeoJSON or ACLED export file")
    )
    parser.add_argument("path", help=_("the file to import"))
    add_store_option(parser)
    parser.add_argument(
        "--format", choices=["auto", "zonas", "acled"], default="auto",
        help=_("input columns: ours (zonas), an ACLED export, or detect (default)"),
    )  # fmt: skip
    parser.add_argument(
        "--dry-run", action="store_true", help=_("validate and report; write nothing")
    )
    parser.add_argument(
        "--strict", action="store_true", help=_("reject rows with warnings (unknown places...)")
    )
    parser.add_argument(
        "--rejects", metavar="FILE",
        help=_("where to write rejected rows (default: <name>.rejects.csv next to the input)"),
    )  # fmt: skip
    parser.set_defaults(func=_cmd_import)


# ---------------------------------------------------------------------- db (PostGIS)
def _cmd_db_init(args: argparse.Namespace) -> int:
    from geo.config import default_store_location
    from geo.postgis import PostGISStore, is_postgres_location
    from geo.store import StoreError

    location = args.store or default_store_location()
    if not is_postgres_location(location):
        message = _(
            "error: db init needs a postgresql:// store, not {location} "
            "(a GeoPackage store is created on first use)"
        )
        print(message.format(location=location), file=sys.stderr)
        return 2
    store = PostGISStore(location, seed=not args.no_seed)
    try:
        applied = store.init_schema(create_roles=args.create_roles)
        version = store.schema_version()
    except StoreError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2
    if applied:
        message = _("store {store}: applied migrations {applied}; schema version {version}")
        applied_text = ", ".join(map(str, applied))
        print(message.format(store=store.location, applied=applied_text, version=version))
    else:
        message = _("store {store}: schema version {version}, up to date")
        print(message.format(store=store.location, version=version))
    if args.create_roles:
        message = _(
            "roles zonas_reader (read only) and zonas_writer (imports) are ready; "
            "grant them to login roles, e.g. GRANT zonas_reader TO dashboard"
        )
        print(message)
    return 0


def _cmd_db_copy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.postgis import PostGISStore, is_postgres_location
    from geo.store import Store, StoreError, open_store

    if not is_postgres_location(args.source) and not Path(args.source).is_file():
        message = _("error: --from {store}: no such store")
        print(message.format(store=args.source), file=sys.stderr)
        return 2
    try:
        source = open_store(args.source, seed=False)
        target: Store
        if is_postgres_location(args.target):
            postgis = PostGISStore(args.target, seed=False)
            postgis.init_schema()
            target = postgis
        else:
            target = open_store(args.target, seed=False)
        incidents, sources = source.read_incidents(), source.read_sources()
        result = target.write_incidents(incidents, sources)
        zones = target.write_user_zones(source.read_user_zones())
    except StoreError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2
    message = _(
        "copied {n} incidents ({inserted} new, {updated} updated, {unchanged} unchanged), "
        "{sources} sources and {zones} user zones from {source} to {target}"
    )
    print(
        message.format(
            n=len(incidents),
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            sources=len(sources),
            zones=zones,
            source=source.location,
            target=target.location,
        )
    )
    message = _("content version: {source} (from), {target} (to)")
    print(message.format(source=source.content_version(), target=target.content_version()))
    return 0


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help=_("set up a PostGIS store; copy between stores"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser(
        "init", help=_("create or upgrade the zonas schema on a PostgreSQL + PostGIS server")
    )
    add_store_option(init)
    init.add_argument(
        "--create-roles",
        action="store_true",
        help=_("also create the roles zonas_reader (read only) and zonas_writer (imports)"),
    )
    init.add_argument(
        "--no-seed", action="store_true", help=_("do not load the shipped seed incidents")
    )
    init.set_defaults(func=_cmd_db_init)
    copy = db_sub.add_parser(
        "copy", help=_("copy incidents, sources and user zones from one store to another")
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="STORE",
        help=_("GeoPackage path or postgresql:// URL to read"),
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="STORE",
        help=_("GeoPackage path or postgresql:// URL to write (created if new)"),
    )
    copy.set_defaults(func=_cmd_db_copy)


# ---------------------------------------------------------------------- export
def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(
            _("{text!r} is not MIN_LON,MIN_LAT,MAX_LON,MAX_LAT").format(text=text)
        )
    return (values[0], values[1], values[2], values[3])


def _cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.export import ExportError, ExportView, render_export
    from geo.store import open_store

    view = ExportView(
        flt=filter_from_args(args),
        level=args.level,
        measure=args.measure,
        title=args.title,
        bbox=args.bbox,
        lang=args.lang,
    )
    try:
        data = render_export(open_store(args.store), args.format, view, dpi=args.dpi)
    except ExportError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(_("wrote {path} ({size} bytes)").format(path=out, size=len(data)))
    return 0


def _add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from geo.export import DEFAULT_DPI, FORMATS
    from geo.geodata import LEVELS

    parser = sub.add_parser(
        "export",
        help=_("export the map (PNG, SVG, PDF, report, HTML) or the incidents (CSV, GeoJSON)"),
    )
    parser.add_argument("--format", required=True, choices=FORMATS, help=_("what to write"))
    parser.add_argument("--out", required=True, metavar="FILE", help=_("output file"))
    parser.add_argument(
        "--level", choices=LEVELS, default="municipality", help=_("aggregation level of the map")
    )
    parser.add_argument(
        "--measure", default="incidents",
        help=_("mapped measure: incidents, civilians_killed, civilians_injured, "
               "officers_killed, detained"),
    )  # fmt: skip
    parser.add_argument("--title", help=_("title printed on the map (default: measure by level)"))
    parser.add_argument(
        "--dpi", type=int, default=DEFAULT_DPI, help=_("PNG resolution (default: 200)")
    )
    parser.add_argument(
        "--bbox", type=_parse_bbox, metavar="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT",
        help=_("map extent in degrees (default: the selected areas, or the whole country)"),
    )  # fmt: skip
    parser.add_argument("--lang", choices=["es", "en"], help=_("language of the export text"))
    add_filter_options(parser)
    add_store_option(parser)
    parser.set_defaults(func=_cmd_export)


# ---------------------------------------------------------------------- stats
STATS_JSON_COLUMNS = (
    "area_code", "area_name", "period", "agency", "incidents", "civilians_killed_min",
    "civilians_killed_max", "civilians_killed_at_least", "civilians_injured",
    "officers_killed", "officers_injured", "detained", "fatalities_unsplit",
    "civilians_killed_unknown", "imprecise_dates",
)  # fmt: skip
"""Keys of each ``zonas stats --json`` object (``period``/``agency`` only when asked)."""


def stats_table_text(table: pd.DataFrame) -> str:
    """Return an :func:`geo.aggregate.aggregate` table as aligned text, ranges as ``14–16``."""
    from geo.aggregate import format_range

    headers = [_("area"), _("name")]
    has_period, has_agency = "period" in table, "agency" in table
    if has_period:
        headers.append(_("period"))
    if has_agency:
        headers.append(_("agency"))
    headers += [_("incidents"), _("civilians killed"), _("injured"), _("officers killed"),
                _("officers injured"), _("detained")]  # fmt: skip
    rows = []
    for row in table.to_dict("records"):
        cells = [str(row["area_code"]), str(row["area_name"])]
        if has_period:
            cells.append(str(row["period"]))
        if has_agency:
            cells.append(str(row["agency"]))
        killed = format_range(
            int(row["civilians_killed_min"]), int(row["civilians_killed_max"]),
            at_least=bool(row["civilians_killed_at_least"]),
        )  # fmt: skip
        cells += [str(row["incidents"]), killed, str(row["civilians_injured"]),
                  str(row["officers_killed"]), str(row["officers_injured"]),
                  str(row["detained"])]  # fmt: skip
        rows.append(cells)
    numeric_from = len(headers) - 6
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]  # fmt: skip

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i >= numeric_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def _cmd_stats(args: argparse.Namespace) -> int:
    import json

    from geo.aggregate import aggregate_store
    from geo.store import open_store
    from geo.zones import all_zones

    flt = filter_from_args(args)
    zones = all_zones(store_location=args.store) if args.by == "zone" else None
    table = aggregate_store(
        open_store(args.store), level=args.by, period=args.period, by_agency=args.by_agency,
        flt=flt, zones=zones,
    )  # fmt: skip
    if args.json:
        columns = [c for c in STATS_JSON_COLUMNS if c in table.columns]
        records = [
            {c: (v.item() if hasattr(v, "item") else v) for c, v in row.items()}
            for row in table[columns].to_dict("records")
        ]
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    if table.empty:
        print(_("no incidents match the filter"))
        return 0
    print(stats_table_text(table))
    return 0


def _add_stats(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from geo.aggregate import PERIODS
    from geo.geodata import LEVELS

    parser = sub.add_parser(
        "stats", help=_("incidents and victims per area (and period, agency) as a table")
    )
    parser.add_argument(
        "--by", choices=LEVELS, default="state", help=_("areas to count by (default: state)")
    )
    parser.add_argument("--period", choices=PERIODS, help=_("also break down by period"))
    parser.add_argument(
        "--by-agency", action="store_true",
        help=_("one row per agency (an incident counts once for each of its agencies)"),
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help=_("print a JSON list of objects"))
    add_filter_options(parser)
    add_store_option(parser)
    parser.set_defaults(func=_cmd_stats)


# ---------------------------------------------------------------------- bench
def _cmd_bench(args: argparse.Namespace) -> int:
    import json

    from geo.benchmark import format_report, run_benchmark

    result = run_benchmark(
        args.events,
        seed=args.seed,
        repeats=args.repeats,
        naive=not args.no_naive,
        progress=None if args.json else (lambda message: print(message, file=sys.stderr)),
    )
    print(json.dumps(result) if args.json else format_report(result))
    return 0


def _add_bench(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "bench", help=_("benchmark re-filtering and re-aggregating N synthetic incidents")
    )
    parser.add_argument(
        "--events", type=int, default=1_000_000, metavar="N",
        help=_("number of synthetic incidents (default: 1,000,000)"),
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int, default=5, help=_("timed runs per interaction (default: 5)")
    )
    parser.add_argument("--seed", type=int, default=0, help=_("seed of the synthetic data"))
    parser.add_argument(
        "--no-naive", action="store_true", help=_("skip the naive spatial-join baseline")
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=_cmd_bench)


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Return the ``zonas`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="zonas",
        description=_("Security operations and peace zones in Venezuela: data tools."),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_zones(sub)
    _add_import(sub)
    _add_export(sub)
    _add_stats(sub)
    _add_bench(sub)
    _add_db(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in the environment's language (``ZONAS_LANG``, else the POSIX locale;
    see :func:`geo.i18n.language_from_env`); return the process exit status."""
    with use_language(language_from_env()), argparse_in_language():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except FilterError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
