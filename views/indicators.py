"""Indicators page: lethal-force indicators per area and the peace-zone comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import charts
from geo.aggregate import DEFAULT_RING_M, homicide_publishers, load_homicide_totals
from geo.filters import Filter
from geo.geodata import LEVELS, Level
from geo.i18n import _, format_number, get_language, ngettext
from ui import cache
from ui.sidebar import current_filter, view_selectbox
from ui.tables import show_table


@st.cache_data(show_spinner=False, max_entries=16)
def _indicators(version: str, flt: Filter, level: Level, lang: str) -> pd.DataFrame:
    del version, lang  # cache key only (bucket names are translated)
    return charts.indicator_table(
        cache.all_incidents(), level=level, flt=flt, zones=cache.all_zones()
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _peace_zones(version: str, flt: Filter, ring_m: float, lang: str) -> pd.DataFrame:
    del version, lang  # cache key only
    incidents = cache.all_incidents()
    return charts.peace_zone_table(
        incidents[flt.mask(incidents)], zones=cache.all_zones(), ring_m=ring_m
    )


@st.cache_data(show_spinner=False)
def _shipped_publishers() -> list[str]:
    return homicide_publishers()


level_labels = {
    "state": _("State"),
    "municipality": _("Municipality"),
    "parish": _("Parish"),
    "zone": _("Zone"),
}
level: Level = view_selectbox(  # type: ignore[assignment]
    _("Level"), "level", list(LEVELS), default="state", format_func=level_labels.__getitem__
)
flt = current_filter()
version = cache.store_version()
lang = get_language()

st.title(_("Lethal-force indicators"))
table = _indicators(version, flt, level, lang)
st.caption(
    _(
        "One row per {level} with at least one incident under the filter. Ranges "
        "(14–16) keep contested counts; a ratio whose denominator is zero is not computed "
        "(—), its counts are still shown. Click a column header to sort."
    ).format(level=level_labels[level].lower())
)
if table.empty:
    st.info(_("No incidents under this filter."))
else:
    shown = ["area_name", "incidents", "civilians_killed", "civilians_injured",
             "officers_killed", "officers_injured"]  # fmt: skip
    config: dict[str, object] = {
        "area_name": _("Area"),
        "incidents": st.column_config.NumberColumn(_("Incidents")),
        "civilians_killed": _("Civilians killed"),
        "civilians_injured": st.column_config.NumberColumn(_("Civilians injured")),
        "officers_killed": st.column_config.NumberColumn(_("Officers killed")),
        "officers_injured": st.column_config.NumberColumn(_("Officers injured")),
    }
    for stem, label, help_text, _threshold in charts.INDICATORS:
        # a number to sort by (the range's minimum), then the range with its counts
        shown += [f"{stem}_min", f"{stem}_text"]
        percent = stem.startswith("share")
        config[f"{stem}_min"] = st.column_config.NumberColumn(
            _(label),
            help=_(help_text) + " " + _("Sorts by the minimum of the range."),
            format="percent" if percent else "%.1f",
        )
        config[f"{stem}_text"] = st.column_config.TextColumn(
            _("range") if percent else _("range (counts)")
        )
    show_table(table[shown], column_config=config)

    with st.expander(_("What the indicators mean"), expanded=True):
        for _stem, label, help_text, _threshold in charts.INDICATORS:
            st.markdown(f"**{_(label)}** — {_(help_text)}")
        st.markdown(f"**{_('Share of homicides by security forces')}** — "
                    f"{_(charts.HOMICIDE_SHARE_HELP)}")  # fmt: skip
        st.caption(
            _(
                "Thresholds after Chevigny (1991) and the Monitor del Uso de la Fuerza Letal "
                "en América Latina; they are warning signs, not proof. With few incidents "
                "the ratios are fragile."
            )
        )

    st.subheader(_("Areas compared"))
    st.caption(
        _(
            "Each panel is one indicator: a line from the minimum (filled dot) to the "
            "maximum (open dot) per area; the dashed line is the usual threshold."
        )
    )
    st.altair_chart(charts.indicator_small_multiples(table), width="content")

st.subheader(_("Share of homicides caused by security forces"))
st.caption(
    _(charts.HOMICIDE_SHARE_HELP)
    + " "
    + _(
        "The civilians killed in the incidents under the filter (agencies, places...; each "
        "year counted whole) against the homicide total one source gives for that year and "
        "place. Without homicide totals the indicator is not computed."
    )
)
col_source, col_file = st.columns(2)
uploaded = col_file.file_uploader(
    _("Your own homicide totals (CSV shaped like data/context/homicides.csv)"),
    type=["csv"],
    key="indicators-homicides-file",
)
try:
    publishers = homicide_publishers(uploaded) if uploaded else _shipped_publishers()
except ValueError as error:
    st.error(str(error))
    publishers = []
publisher = col_source.selectbox(
    _("Source of the homicide totals"),
    ["", *publishers],
    format_func=lambda name: name or _("none (not computed)"),
    key="indicators-homicide-source",
    help=_("One source at a time: totals of different sources are never mixed."),
)
if publisher:
    if uploaded:
        uploaded.seek(0)
    try:
        share = charts.homicide_share_table(
            cache.all_incidents(),
            load_homicide_totals(uploaded, publisher=publisher),
            state_names=cache.state_names(),
            flt=flt,
        )
    except ValueError as error:
        st.error(str(error))
    else:
        if share.empty:
            st.info(_("This source gives no homicide total for the years of the filter."))
        else:
            show_table(
                share[["scope", "year", "homicides", "civilians_killed", "share", "source"]],
                column_config={
                    "scope": _("Place"),
                    "year": st.column_config.NumberColumn(_("Year"), format="%d"),
                    "homicides": _("Homicides (source)"),
                    "civilians_killed": _("Civilians killed (incidents)"),
                    "share": _("Share by security forces"),
                    "source": _("Source"),
                },
            )

st.subheader(_("Peace zones: inside vs. surrounding ring, before vs. after designation"))
ring_m = float(
    st.slider(
        _("Ring width (m)"),
        min_value=500,
        max_value=5000,
        value=int(DEFAULT_RING_M),
        step=250,
        key="indicators-ring",
        help=_("The ring is the band of this width around each zone, outside it."),
    )
)
peace = _peace_zones(version, flt, ring_m, lang)
if peace.empty:
    st.info(_("No peace zones."))
else:
    st.caption(
        _(
            "Only incidents located to a point or a barrio can be put in a ring. "
            "Before/after is shown only for zones whose designation date is known."
        )
    )
    st.altair_chart(charts.peace_zone_chart(peace), width="content")
    show_table(
        peace[["zone_name", "peace_zone_since", "place_label", "phase_label", "incidents",
               "civilians_killed", "civilians_injured", "officers_killed", "detained"]],
        column_config={
            "zone_name": _("Zone"),
            "peace_zone_since": _("Peace zone since"),
            "place_label": _("Where"),
            "phase_label": _("When"),
            "incidents": _("Incidents"),
            "civilians_killed": _("Civilians killed"),
            "civilians_injured": _("Civilians injured"),
            "officers_killed": _("Officers killed"),
            "detained": _("Detained"),
        },
    )  # fmt: skip
    selected = int(flt.mask(cache.all_incidents()).sum())
    st.caption(
        ngettext(
            "{n} incident under the filter.", "{n} incidents under the filter.", selected
        ).format(n=format_number(selected))
    )
