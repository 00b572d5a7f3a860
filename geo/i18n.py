"""Spanish and English: translated strings and locale formatting.

Every string a person reads (app, CLI, import errors, exports) goes through :func:`_`
(or :func:`ngettext` / :func:`pgettext`). Source strings (msgids) are English; the
catalogs are standard gettext files, domain ``zonas``::

    geo/locale/zonas.pot                    template, extracted from the code
    geo/locale/es/LC_MESSAGES/zonas.po      Spanish
    geo/locale/en/LC_MESSAGES/zonas.po      English (msgstr = the English text)

Only the ``.po`` files are committed; a fresh clone needs no build step. At first use in a
process each catalog is loaded from a compiled ``.mo``: ``zonas.mo`` next to the ``.po``
when it is not older than the ``.po`` (``scripts/update-translations.sh`` writes it; not
committed), else a copy in the user cache (``$XDG_CACHE_HOME`` or ``~/.cache``, then
``zonas/locale/``) named after the SHA-256 of the ``.po`` so it can never be stale, else
Babel compiles the ``.po`` (about 0.2 s) and saves that copy (silently skipped when the
cache is not writable). Fuzzy entries are never used. Refresh the catalogs with
``bash scripts/update-translations.sh`` (extract → update → compile).

The active language lives in a :class:`contextvars.ContextVar`, so every thread (every
Streamlit session) has its own; a thread that never chose one uses
:func:`default_language` (``ZONAS_LANG`` or Spanish). The app sets it from the URL
(``?lang=es|en``), the CLI from the environment (:func:`language_from_env`).

Place names and quotes from sources are never translated: never pass them through
:func:`_`. Strings built at import time (module constants) must be marked with
:func:`N_` and translated with :func:`_` where they are shown, or they would stay in
whatever language was active at import.
"""

from __future__ import annotations

import contextvars
import functools
import gettext
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Final, Literal

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "N_",
    "_",
    "argparse_in_language",
    "default_language",
    "format_date",
    "format_list",
    "format_number",
    "format_percent",
    "format_period",
    "format_range",
    "get_language",
    "language_from_accept",
    "language_from_env",
    "language_from_params",
    "ngettext",
    "normalize_language",
    "pgettext",
    "set_language",
    "use_language",
    "vega_locale",
]

LANGUAGES: Final[tuple[str, ...]] = ("es", "en")
"""Supported interface languages, the default first."""
DEFAULT_LANGUAGE: Final = "es"
DOMAIN: Final = "zonas"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
LANGUAGE_NAMES: Final[Mapping[str, str]] = {"es": "Español", "en": "English"}
"""Each language's name in itself (for a language switch; never translated)."""

_BABEL_LOCALES: Final[Mapping[str, str]] = {"es": "es_VE", "en": "en_GB"}
"""CLDR locale used to format dates and numbers ("13 de julio de 2015", "13 July 2015")."""

_D3_DATE_FORMATS: Final[Mapping[str, tuple[str, str, str]]] = {
    "es": ("%A, %e de %B de %Y, %X", "%d/%m/%Y", "%H:%M:%S"),
    "en": ("%A, %e %B %Y, %X", "%d/%m/%Y", "%H:%M:%S"),
}
"""d3-time-format ``%c``, ``%x`` and ``%X`` of each language (for :func:`vega_locale`)."""

_DAY_RANGE: Final = re.compile(r"(?<!\d)(\d{1,2})\u2009–\u2009(?=\d)")
"""A day number, a thin-spaced en dash and the next day: ``13 – 20`` in a date interval."""

DatePrecision = Literal["day", "week", "month", "year"]

_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "zonas_language", default=None
)


# ---------------------------------------------------------------------- languages
def normalize_language(value: object) -> str | None:
    """Return the supported language code named by ``value``, or ``None``.

    Accepts codes and POSIX/BCP 47 locale names in any case: ``"en"``, ``"EN"``,
    ``"en-GB"``, ``"es_VE.UTF-8"``, ``"es-419"``. Anything else (``"fr"``, ``"C"``,
    ``""``, non-strings) gives ``None``.
    """
    return _normalize_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=256)
def _normalize_text(value: str) -> str | None:
    primary = value.strip().lower().replace("_", "-").split(".")[0].split("@")[0]
    primary = primary.split("-")[0]
    return primary if primary in LANGUAGES else None


def default_language() -> str:
    """Return the language used when none was chosen: ``ZONAS_LANG`` if valid, else ``"es"``."""
    return normalize_language(os.environ.get("ZONAS_LANG")) or DEFAULT_LANGUAGE


def get_language() -> str:
    """Return the active language (``"es"`` or ``"en"``) of the current thread/context."""
    return _LANGUAGE.get() or default_language()


def _checked(lang: str) -> str:
    code = normalize_language(lang)
    if code is None:
        raise ValueError(
            _("unknown language {lang!r}; use one of: {languages}").format(
                lang=lang, languages=", ".join(LANGUAGES)
            )
        )
    return code


def set_language(lang: str) -> str:
    """Make ``lang`` the active language of the current thread/context.

    Parameters
    ----------
    lang
        ``"es"`` or ``"en"`` (locale names such as ``"en-GB"`` are accepted).

    Returns
    -------
    str
        The normalised language code now active.

    Raises
    ------
    ValueError
        If ``lang`` is not a supported language.
    """
    code = _checked(lang)
    _LANGUAGE.set(code)
    return code


@contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Make ``lang`` active inside a ``with`` block, then restore the previous language.

    Example: ``with use_language("en"): title = _("Incidents")``.
    """
    token = _LANGUAGE.set(_checked(lang))
    try:
        yield _LANGUAGE.get() or DEFAULT_LANGUAGE
    finally:
        _LANGUAGE.reset(token)


def language_from_accept(header: str | None) -> str | None:
    """Return the preferred supported language of an ``Accept-Language`` header, or ``None``.

    ``"en-US,en;q=0.9,es;q=0.8"`` gives ``"en"``; ``"fr;q=1, es;q=0.5"`` gives ``"es"``;
    entries with ``q=0`` are refused; ``*`` and unknown languages are skipped.
    """
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = normalize_language(tag)
        if code is not None and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def language_from_params(
    params: Mapping[str, object], *, accept_language: str | None = None
) -> str:
    """Choose the interface language of a web request.

    Parameters
    ----------
    params
        URL query parameters (``st.query_params``, a dict of strings or of lists of
        strings). ``lang=es`` or ``lang=en`` wins.
    accept_language
        The browser's ``Accept-Language`` header, used when the URL has no valid
        ``lang`` (``st.context.headers.get("Accept-Language")``).

    Returns
    -------
    str
        ``"es"`` or ``"en"``; :func:`default_language` when nothing else decides.
    """
    value = params.get("lang")
    candidates = value if isinstance(value, list | tuple) else [value]
    for candidate in reversed(candidates):  # the last ?lang= wins, like st.query_params
        code = normalize_language(candidate)
        if code is not None:
            return code
    return language_from_accept(accept_language) or default_language()


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """Choose the CLI language from the environment.

    ``ZONAS_LANG`` (``es``/``en``) wins. Otherwise the POSIX locale decides: the first
    non-empty of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``. A Spanish or English locale
    (``es_VE.UTF-8``, ``en_US.UTF-8``) selects that language; the ``C``/``POSIX`` locale
    or no locale at all selects English, as gettext does (untranslated source messages,
    the norm for servers, containers and logs); any other language selects Spanish, the
    project's default.
    """
    env = os.environ if environ is None else environ
    chosen = normalize_language(env.get("ZONAS_LANG"))
    if chosen is not None:
        return chosen
    posix = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    name = posix.split(".")[0]
    if name in {"", "C", "POSIX"}:
        return "en"
    return normalize_language(name) or DEFAULT_LANGUAGE


# ---------------------------------------------------------------------- catalogs
def _catalog_path(lang: str, suffix: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def _cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory
            return None
    return Path(base) / "zonas" / "locale"


def _compile_po(data: bytes, lang: str) -> bytes:
    """Compile ``.po`` bytes to ``.mo`` bytes with Babel (fuzzy entries left out, as msgfmt)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(data), locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _save_quietly(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        return


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    """Return the compiled catalog of ``lang`` (loaded once per process)."""
    po, mo = _catalog_path(lang, ".po"), _catalog_path(lang, ".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    if not po.exists():
        return gettext.NullTranslations()
    data = po.read_bytes()
    cache = _cache_dir()
    cached = None
    if cache is not None:
        digest = hashlib.sha256(data).hexdigest()[:20]
        cached = cache / f"{DOMAIN}-{lang}-{digest}.mo"
        try:
            return gettext.GNUTranslations(io.BytesIO(cached.read_bytes()))
        except OSError:  # not cached yet, or unreadable: compile again
            pass
    compiled = _compile_po(data, lang)
    if cached is not None:
        _save_quietly(cached, compiled)
    return gettext.GNUTranslations(io.BytesIO(compiled))


def _translate(message: str, lang: str | None) -> str:
    """Translate into ``lang`` (the active language when ``None``); mark literals with N_."""
    if not message:  # gettext("") would return the catalog header
        return message
    return _translations(_checked(lang) if lang else get_language()).gettext(message)


def _(message: str) -> str:
    """Return ``message`` (English source text) translated into the active language.

    Use ``_("{n} incidents").format(n=...)``: format *after* translating, never an
    f-string inside ``_()``.
    """
    return _translate(message, None)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the singular or plural form of a message for the count ``n``.

    Example: ``ngettext("{n} incident", "{n} incidents", n).format(n=format_number(n))``.
    """
    return _translations(get_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` in a ``context`` (for English words with two meanings)."""
    return _translations(get_language()).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark ``message`` for extraction without translating it (translate later with ``_``)."""
    return message


# Python's argparse writes these itself ("usage: ", "options", errors); they are extracted
# from here so that `zonas --help` and its errors read in one language. Missing ones (other
# Python versions) stay English.
_ARGPARSE_MESSAGES: Final = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
)


@contextmanager
def argparse_in_language() -> Iterator[None]:
    """Make :mod:`argparse`'s own texts (usage, help, errors) follow the active language.

    argparse looks its messages up through module globals ``_`` and ``ngettext``; inside
    the block they point at this module's catalog, afterwards they are restored. Use
    around building and running a parser: ``with argparse_in_language(): ...``.
    """
    import argparse

    saved = {name: getattr(argparse, name) for name in ("_", "ngettext")}
    setattr(argparse, "_", _)  # noqa: B010  (argparse's private gettext alias)
    setattr(argparse, "ngettext", ngettext)  # noqa: B010
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(argparse, name, value)


# ---------------------------------------------------------------------- formatting
def _locale(lang: str | None) -> str:
    return _BABEL_LOCALES[_checked(lang) if lang else get_language()]


def _plain(value: float) -> float:
    item = getattr(value, "item", None)  # NumPy scalars → Python numbers
    return item() if callable(item) else value


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # noqa: PLR0124  (NaN is the one value unequal to itself)
    except TypeError:  # pandas.NA refuses bool()
        return True


def format_number(value: float, *, lang: str | None = None, decimals: int | None = None) -> str:
    """Format a number for the language: ``1234`` → ``"1.234"`` (es) / ``"1,234"`` (en).

    Parameters
    ----------
    value
        Any real number (Python, NumPy).
    lang
        ``"es"`` or ``"en"``; the active language when ``None``.
    decimals
        Exact number of decimals; ``None`` shows up to three, dropping trailing zeros.
    """
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(_plain(value), format=pattern, locale=_locale(lang))


def format_percent(fraction: float, *, lang: str | None = None, decimals: int = 0) -> str:
    """Format a fraction as a percentage: ``0.456`` → ``"46%"`` (es and en)."""
    from babel.numbers import format_percent as babel_percent

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return babel_percent(_plain(fraction), format=pattern, locale=_locale(lang))


def format_list(
    items: Iterable[str], *, lang: str | None = None, style: Literal["and", "or"] = "and"
) -> str:
    """Join words for a sentence: ``["a", "b", "c"]`` → ``"a, b y c"`` / ``"a, b and c"``;
    ``style="or"`` → ``"a, b o c"`` / ``"a, b or c"`` (for "did you mean ...?" hints)."""
    from babel.lists import format_list as babel_list

    words = list(items)
    if not words:
        return ""
    return babel_list(words, style="standard" if style == "and" else "or", locale=_locale(lang))


def format_range(
    lo: float | None,
    hi: float | None,
    *,
    lang: str | None = None,
    compact: bool = False,
    at_least: bool = False,
) -> str:
    """Format a contested count kept as a range (never averaged).

    ``(14, 16)`` → ``"14–16"``; ``(14, 14)`` → ``"14"``; ``(14, None)`` → ``"at least 14"``
    / ``"al menos 14"`` (``"≥ 14"`` when ``compact``); ``(None, 16)`` → ``"at most 16"`` /
    ``"hasta 16"`` (``"≤ 16"``); both missing → ``"unknown"`` / ``"sin dato"`` (``"?"``).
    NaN and ``pandas.NA`` count as missing. Numbers use :func:`format_number`
    (``"1.234–1.500"`` / ``"1,234–1,500"``).

    ``at_least=True`` says the maximum is itself a lower bound (a source reported "at
    least 16"): ``(14, 14)`` → ``"at least 14"`` (``"≥ 14"``); ``(14, 16)`` →
    ``"14–16 or more"`` / ``"14–16 o más"`` (``"14–16+"``).

    Raises
    ------
    ValueError
        If ``lo`` is greater than ``hi``.
    """
    low = None if lo is None or _is_missing(lo) else lo
    high = None if hi is None or _is_missing(hi) else hi
    if low is None or high is None or (at_least and low == high):
        return _open_range(low, high, lang=lang, compact=compact)
    if low > high:
        raise ValueError(
            _translate(N_("range minimum {lo} is greater than its maximum {hi}"), lang).format(
                lo=low, hi=high
            )
        )
    if low == high:
        return format_number(low, lang=lang)
    shown = f"{format_number(low, lang=lang)}–{format_number(high, lang=lang)}"
    if not at_least:
        return shown
    return f"{shown}+" if compact else _translate(N_("{range} or more"), lang).format(range=shown)


def _open_range(low: float | None, high: float | None, *, lang: str | None, compact: bool) -> str:
    """The ranges of :func:`format_range` with a missing end (``low`` given: at least)."""
    if low is not None:
        shown = format_number(low, lang=lang)
        return f"≥ {shown}" if compact else _translate(N_("at least {n}"), lang).format(n=shown)
    if high is not None:
        shown = format_number(high, lang=lang)
        return f"≤ {shown}" if compact else _translate(N_("at most {n}"), lang).format(n=shown)
    if compact:
        return "?"
    with use_language(lang or get_language()):
        return pgettext("count", "unknown")


def format_date(
    day: date | datetime, *, lang: str | None = None, precision: DatePrecision = "day"
) -> str:
    """Format a date in words: ``"13 de julio de 2015"`` (es) / ``"13 July 2015"`` (en).

    Parameters
    ----------
    day
        A date, datetime or ``pandas.Timestamp`` (the time of day is ignored).
    lang
        ``"es"`` or ``"en"``; the active language when ``None``.
    precision
        How much of the date is known (an incident's ``date_precision``): ``"day"``;
        ``"week"`` (the week starting at ``day``) → ``"semana del 13 de julio de 2015"`` /
        ``"week of 13 July 2015"``; ``"month"`` → ``"julio de 2015"`` / ``"July 2015"``;
        ``"year"`` → ``"2015"``.
    """
    from babel.dates import format_date as babel_date
    from babel.dates import format_skeleton

    locale = _locale(lang)
    if isinstance(day, datetime):
        day = day.date()
    if precision == "day":
        return babel_date(day, format="long", locale=locale)
    if precision == "week":
        long_day = babel_date(day, format="long", locale=locale)
        return _translate(N_("week of {date}"), lang).format(date=long_day)
    if precision == "month":
        return format_skeleton("yMMMM", day, locale=locale)
    if precision == "year":
        return format_skeleton("y", day, locale=locale)
    raise ValueError(
        _translate(N_("unknown date precision {precision!r}"), lang).format(precision=precision)
    )


def format_period(
    start: date | datetime | None, end: date | datetime | None, *, lang: str | None = None
) -> str:
    """Format a date period (a filter's dates, an export subtitle).

    ``13–20 July 2015`` → ``"13–20 de julio de 2015"`` / ``"13–20 Jul 2015"``; one day →
    :func:`format_date`; open end → ``"desde el 13 de julio de 2015"`` /
    ``"from 13 July 2015"``; open start → ``"hasta el ..."`` / ``"until ..."``; both
    open → ``"todas las fechas"`` / ``"all dates"``.
    """
    from babel.dates import format_interval

    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    if first is None:
        if last is None:
            return _translate(N_("all dates"), lang)
        return _translate(N_("until {date}"), lang).format(date=format_date(last, lang=lang))
    if last is None:
        return _translate(N_("from {date}"), lang).format(date=format_date(first, lang=lang))
    if first == last:
        return format_date(first, lang=lang)
    text = format_interval(first, last, skeleton="yMMMMd", locale=_locale(lang))
    # CLDR 46+ also pads a day-to-day dash with thin spaces ("13 – 20 Jul 2015"); keep the
    # tight "13–20" of older CLDR so a subtitle reads the same with every Babel version
    return _DAY_RANGE.sub(r"\1–", text)


def vega_locale(lang: str | None = None) -> dict[str, dict[str, object]]:
    """Return the number and time format locale of a Vega-Lite chart (``config.locale``).

    Built offline from the CLDR data of :mod:`babel` (no fetch by the browser): decimal
    and group separators, month and weekday names, so that a chart's axes read
    ``julio`` / ``1.234`` in Spanish and ``July`` / ``1,234`` in English. Use as
    ``chart.configure(locale=vega_locale())``.

    Parameters
    ----------
    lang
        ``"es"`` or ``"en"``; the active language when ``None``.

    Returns
    -------
    dict
        ``{"number": {...}, "time": {...}}`` in the d3-format / d3-time-format locale
        layout (weekdays starting on Sunday, months on January).
    """
    from babel import Locale

    code = _checked(lang) if lang else get_language()
    cldr = Locale.parse(_BABEL_LOCALES[code])
    symbols = cldr.number_symbols["latn"]

    def ordered(names: Mapping[int, str], keys: Iterable[int]) -> list[str]:
        return [str(names[key]) for key in keys]

    months, days = range(1, 13), (6, 0, 1, 2, 3, 4, 5)  # babel: 0 is Monday
    periods = cldr.day_periods["format"]["abbreviated"]
    date_time, day, time = _D3_DATE_FORMATS[code]
    return {
        "number": {
            "decimal": str(symbols["decimal"]),
            "thousands": str(symbols["group"]),
            "grouping": [3],
            "currency": ["", ""],
        },
        "time": {
            "dateTime": date_time,
            "date": day,
            "time": time,
            "periods": [str(periods["am"]), str(periods["pm"])],
            "days": ordered(cldr.days["format"]["wide"], days),
            "shortDays": ordered(cldr.days["format"]["abbreviated"], days),
            "months": ordered(cldr.months["format"]["wide"], months),
            "shortMonths": ordered(cldr.months["format"]["abbreviated"], months),
        },
    }
