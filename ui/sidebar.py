"""The shared filter sidebar: URL query parameters ⇄ widgets ⇄ one :class:`Filter`.

``app.py`` calls :func:`filter_sidebar` once per run, before the page runs, so every page
shares the same widgets and the same filter (:func:`current_filter`). The widgets start
from the URL (``?agency=PNB&from=2015-07-01&to=2015-07-31`` works when typed) and the
filter is written back to the URL, so a copied link reopens the same view. Query
parameters that are not the filter's (``lang``...) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final

import streamlit as st

from geo.agencies import load_agencies
from geo.filters import CONFIDENCE_RANK, Filter, FilterError
from geo.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    get_language,
    language_from_params,
)
from ui import cache

FILTER_PARAMS: Final = (
    "from",
    "to",
    "agency",
    "operation",
    "state",
    "municipality",
    "zone",
    "min_confidence",
    "precise_only",
)
"""The query parameters :meth:`Filter.to_query_params` may write."""

VIEW_PARAMS: Final = ("level", "measure")
"""Query parameters of the map view that are not part of the filter."""

PRESETS: Final[dict[str, tuple[date | None, date | None]]] = {
    "olp": (date(2015, 7, 13), date(2015, 8, 12)),
    "2015": (date(2015, 1, 1), date(2015, 12, 31)),
    "all": (None, None),
}
"""Quick date ranges: the first OLP month (from the first operation, 13 July 2015), the
year 2015 and everything."""

_KEY: Final = "zonas_filter"
_PREFIX: Final = "flt_"
_EARLIEST: Final = date(2000, 1, 1)
_LANG_KEY: Final = "ui_language"
_CHOSEN_LANG: Final = "zonas_language"


def query_params() -> dict[str, list[str]]:
    """Return the page's query parameters with every value as a list (repeated keys kept)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def filter_from_url(params: Mapping[str, Sequence[str]]) -> tuple[Filter, str | None]:
    """Return the filter in ``params`` and an error message when they cannot be parsed.

    A bad value (``from=yesterday``) gives the default filter and the reason, so the page
    can say what was ignored instead of failing.
    """
    try:
        return Filter.from_query_params(params), None
    except FilterError as error:
        return Filter(), str(error)


def write_filter_to_url(flt: Filter) -> None:
    """Make the URL's filter parameters those of ``flt`` (other parameters untouched)."""
    wanted = flt.to_query_params()
    current = query_params()
    for key in FILTER_PARAMS:
        value = wanted.get(key)
        if value is None:
            if key in current:
                del st.query_params[key]
        elif current.get(key) != value:
            st.query_params[key] = value


def set_dates(start: date | None, end: date | None) -> None:
    """Set the date widgets of the filter; call it from a widget callback (before the
    sidebar is drawn on the rerun), as the date presets and the timeline's brush do."""
    st.session_state[_PREFIX + "from"] = start
    st.session_state[_PREFIX + "to"] = end


def _apply_preset() -> None:
    name = st.session_state.get(_PREFIX + "preset")
    if name in PRESETS:
        set_dates(*PRESETS[name])
    st.session_state[_PREFIX + "preset"] = None  # a preset is an action, not a state


def _preset_pills() -> None:
    labels = {"olp": _("First OLP month"), "2015": _("2015"), "all": _("All dates")}
    st.pills(
        _("Quick dates"),
        list(PRESETS),
        key=_PREFIX + "preset",
        format_func=lambda name: labels[name],
        on_change=_apply_preset,
        label_visibility="collapsed",
    )


def view_choice(name: str, options: Sequence[str], default: str) -> str:
    """Return a view setting (``level``, ``measure``) from the URL, ``default`` if absent
    or unknown."""
    values = st.query_params.get_all(name)
    return values[0] if values and values[0] in options else default


def view_selectbox(
    label: str,
    name: str,
    options: Sequence[str],
    *,
    default: str,
    format_func: Any = str,
) -> str:
    """A sidebar select box for a view setting kept in the URL (``?level=parish``).

    The URL gives the first value of a session; afterwards the widget rules and the URL
    follows it (the default is left out of the URL).
    """
    key = _PREFIX + name
    if st.session_state.get(key) not in options:  # first run, or another page's options
        st.session_state[key] = view_choice(name, options, default)
    value: str = st.sidebar.selectbox(label, options, key=key, format_func=format_func)
    if value == default:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value
    return value


def interface_language() -> str:
    """Return the language of this run and keep it in the URL (``lang=es|en``).

    The URL's ``lang`` wins; without one (a page link of the navigation drops the query
    string) the session keeps the language it had; a new session without one follows the
    browser's ``Accept-Language``, else the default. Writing it back to the URL means a
    copied link always opens in the language the reader saw.
    """
    params = query_params()
    remembered = st.session_state.get(_CHOSEN_LANG)
    # the last valid ``lang`` wins: the session's language stands before the URL's
    candidates = [*([remembered] if remembered in LANGUAGES else []), *params.get("lang", [])]
    lang = language_from_params(
        {"lang": candidates}, accept_language=st.context.headers.get("Accept-Language")
    )
    st.session_state[_CHOSEN_LANG] = lang
    if params.get("lang") != [lang]:
        st.query_params["lang"] = lang
    return lang


def _switch_language() -> None:
    chosen = st.session_state.get(_LANG_KEY)
    if chosen in LANGUAGES:  # clicking the chosen language again unselects it: ignored
        st.query_params["lang"] = chosen  # app.py reads it on the rerun this triggers


def language_switch() -> None:
    """Show the interface language switch (Español / English) and keep it in the URL.

    The language itself is set by ``app.py`` from ``?lang=es|en`` before anything is
    drawn; choosing the other one writes ``lang`` to the URL, so a copied link keeps it.
    """
    st.session_state[_LANG_KEY] = get_language()
    st.segmented_control(
        _("Language"),
        LANGUAGES,
        key=_LANG_KEY,
        format_func=LANGUAGE_NAMES.__getitem__,  # each language in itself, never translated
        on_change=_switch_language,
        label_visibility="collapsed",
    )


def _with_known(options: Sequence[str], chosen: Sequence[str]) -> list[str]:
    """Options plus any chosen value missing from them (a URL may name an unknown code)."""
    return list(options) + [value for value in chosen if value not in options]


def _choose(
    label: str,
    name: str,
    options: Sequence[str],
    *,
    placeholder: str,
    format_func: Callable[[str], str] = str,
) -> list[str]:
    """A multiselect of the filter, keyed ``name``, keeping chosen values it does not list."""
    key = _PREFIX + name
    chosen: list[str] = st.multiselect(
        label,
        _with_known(options, st.session_state[key]),
        key=key,
        format_func=format_func,
        placeholder=placeholder,
    )
    return chosen


def _initial_state(flt: Filter) -> dict[str, Any]:
    return {
        "from": flt.date_from,
        "to": flt.date_to,
        "agencies": list(flt.agencies),
        "operations": list(flt.operations),
        "states": list(flt.states),
        "zones": list(flt.zones),
        "min_confidence": flt.min_confidence or "",
        "precise_only": not flt.include_low_precision,
    }


def filter_sidebar() -> Filter:
    """Render the filter widgets in the sidebar and return the filter they describe.

    On the first run of a session the widgets take their values from the URL; afterwards
    the widgets rule and the URL follows them. Municipalities have no widget yet: a URL's
    ``municipality=`` values are kept as they came.
    """
    if _KEY not in st.session_state:
        flt, error = filter_from_url(query_params())
        if error:
            st.session_state[_PREFIX + "error"] = error
        for name, value in _initial_state(flt).items():
            st.session_state[_PREFIX + name] = value
        st.session_state[_PREFIX + "municipalities"] = list(flt.municipalities)

    agencies = {agency.code: agency for agency in load_agencies()}
    english = get_language() == "en"

    def agency_label(code: str) -> str:
        agency = agencies.get(code)
        if agency is None:
            return code
        return f"{code} — {agency.name_en if english else agency.name_es}"

    states = cache.state_names()
    zones = cache.zone_names()
    confidences = ["", *CONFIDENCE_RANK]
    confidence_labels = {
        "": _("any"),
        "low": _("low"),
        "medium": _("medium"),
        "high": _("high"),
    }

    with st.sidebar:
        language_switch()
        st.header(_("Filter"))
        error = st.session_state.pop(_PREFIX + "error", None)
        if error:
            st.warning(_("The link's filter was ignored: {reason}").format(reason=error))
        _preset_pills()
        col_from, col_to = st.columns(2)
        date_from = col_from.date_input(
            _("From"), key=_PREFIX + "from", min_value=_EARLIEST, format="YYYY-MM-DD"
        )
        date_to = col_to.date_input(
            _("To"), key=_PREFIX + "to", min_value=_EARLIEST, format="YYYY-MM-DD"
        )
        chosen_agencies = _choose(
            _("Agencies"),
            "agencies",
            list(agencies),
            format_func=agency_label,
            placeholder=_("All agencies"),
        )
        chosen_operations = _choose(
            _("Operations"),
            "operations",
            cache.operation_families(),
            placeholder=_("All operations"),
        )
        chosen_states = _choose(
            _("States"),
            "states",
            list(states),
            format_func=lambda code: states.get(code, code),
            placeholder=_("All states"),
        )
        chosen_zones = _choose(
            _("Zones"),
            "zones",
            list(zones),
            format_func=lambda zone_id: zones.get(zone_id, zone_id),
            placeholder=_("All zones"),
        )
        confidence = st.selectbox(
            _("Minimum confidence"),
            confidences,
            key=_PREFIX + "min_confidence",
            format_func=lambda value: confidence_labels[value],
        )
        precise_only = st.checkbox(
            _("Only precisely located incidents"),
            key=_PREFIX + "precise_only",
            help=_("Leave out incidents known only to the municipality or state."),
        )

    start = date_from if isinstance(date_from, date) else None
    end = date_to if isinstance(date_to, date) else None
    if start and end and start > end:
        st.sidebar.warning(_("'From' is after 'To': the dates were swapped."))
        start, end = end, start
    flt = Filter(
        date_from=start,
        date_to=end,
        agencies=tuple(chosen_agencies),
        operations=tuple(chosen_operations),
        states=tuple(chosen_states),
        municipalities=tuple(st.session_state[_PREFIX + "municipalities"]),
        zones=tuple(chosen_zones),
        min_confidence=confidence or None,  # type: ignore[arg-type]
        include_low_precision=not precise_only,
    )
    st.session_state[_KEY] = flt
    write_filter_to_url(flt)
    return flt


def current_filter() -> Filter:
    """Return the filter :func:`filter_sidebar` built on this run (default if none)."""
    flt = st.session_state.get(_KEY)
    return flt if isinstance(flt, Filter) else Filter()
