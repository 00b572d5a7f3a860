"""Local copies of the JavaScript and CSS that folium would fetch from CDNs.

Folium (its ``default_js`` / ``default_css`` lists and plugins such as MarkerCluster) and
streamlit-folium point browsers at jsDelivr, cdnjs, code.jquery.com and
netdna.bootstrapcdn.com. The app must work with no internet access, so every such file
is vendored under ``static/vendor/<package>@<version>/`` (see
``scripts/vendor-assets.sh``) and served by Streamlit at ``/app/static/vendor/``.

:data:`VENDORED` maps each CDN URL to its local path. :func:`localize_assets` rewrites
the asset lists of every element of a folium map (on the instances, never on the
classes); :func:`offline_map` returns a map that does so each time it is rendered.
:func:`inline_assets` turns a rendered page into one self-contained HTML file (for the
standalone HTML export): scripts and stylesheets inlined, the images and fonts they refer
to embedded as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import folium
from branca.element import Element

from geo.config import STATIC_DIR
from geo.i18n import _

VENDOR_URL: Final = "/app/static/vendor"
"""Where Streamlit serves ``static/vendor/`` (``server.enableStaticServing``)."""

_CDNJS: Final = "https://cdnjs.cloudflare.com/ajax/libs"
_FOLIUM_GH: Final = "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates"

VENDORED: Final[Mapping[str, str]] = {
    # folium.Map.default_js
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet@1.9.3/leaflet.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap@5.2.2/js/bootstrap.bundle.min.js"
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "leaflet.awesome-markers@2.0.2/leaflet.awesome-markers.js"
    ),
    # folium.Map.default_css
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet@1.9.3/leaflet.css",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "bootstrap@5.2.2/css/bootstrap.min.css"
    ),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "bootstrap-glyphicons@3.4.1/css/bootstrap-glyphicons.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "fontawesome-free@6.2.0/css/all.min.css"
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "leaflet.awesome-markers@2.0.2/leaflet.awesome-markers.css"
    ),
    f"{_FOLIUM_GH}/leaflet.awesome.rotate.min.css": ("folium@0.20.0/leaflet.awesome.rotate.css"),
    # folium.plugins.MarkerCluster
    f"{_CDNJS}/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster@1.1.0/leaflet.markercluster.js"
    ),
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster@1.1.0/MarkerCluster.css"
    ),
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster@1.1.0/MarkerCluster.Default.css"
    ),
}
"""CDN URL → path under ``static/vendor/`` of the same file."""

AssetSet = Literal["folium", "leaflet"]
"""``folium``: everything folium's Map loads (Leaflet, jQuery, Bootstrap, awesome markers,
icon fonts), so every folium feature works. ``leaflet``: Leaflet and jQuery only (enough
for GeoJSON layers, tooltips, popups, layer control, scale bar; smaller exports)."""

_LEAFLET_ONLY: Final = frozenset({"leaflet", "jquery", "leaflet_css"})

_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class UnvendoredAssetError(ValueError):
    """A map element wants a file from the internet that is not vendored."""


def vendor_dir() -> Path:
    """Return the folder holding the vendored files (``static/vendor``)."""
    return STATIC_DIR / "vendor"


def is_remote(url: str) -> bool:
    """True for absolute (``https://``, ``//host``) URLs, false for paths and ``data:``."""
    return bool(_SCHEME.match(url.strip()))


def local_url(url: str, *, base_url: str = VENDOR_URL) -> str:
    """Return the local URL serving the same file as the CDN ``url``.

    Local URLs (paths, ``data:``) are returned unchanged.

    Raises
    ------
    UnvendoredAssetError
        If ``url`` is remote and not in :data:`VENDORED`.
    """
    if not is_remote(url):
        return url
    try:
        relative = VENDORED[url]
    except KeyError:
        msg = _(
            "{url} is not vendored: add it to scripts/vendor-assets.sh and "
            "geo.webassets.VENDORED, or do not use the map element that needs it"
        ).format(url=url)
        raise UnvendoredAssetError(msg) from None
    return f"{base_url.rstrip('/')}/{relative}"


def localize_links(
    links: Iterable[tuple[str, str]], *, base_url: str = VENDOR_URL
) -> list[tuple[str, str]]:
    """Return ``(name, url)`` asset pairs with every URL made local (see :func:`local_url`)."""
    return [(name, local_url(url, base_url=base_url)) for name, url in links]


def map_js_urls(*, base_url: str = VENDOR_URL, assets: AssetSet = "folium") -> list[str]:
    """Return the local script URLs a folium map loads, in load order."""
    return [url for _name, url in _map_links(folium.Map.default_js, base_url, assets)]


def map_css_urls(*, base_url: str = VENDOR_URL, assets: AssetSet = "folium") -> list[str]:
    """Return the local stylesheet URLs a folium map loads."""
    return [url for _name, url in _map_links(folium.Map.default_css, base_url, assets)]


def _map_links(
    links: Iterable[tuple[str, str]], base_url: str, assets: AssetSet
) -> list[tuple[str, str]]:
    chosen = [pair for pair in links if assets == "folium" or pair[0] in _LEAFLET_ONLY]
    return localize_links(chosen, base_url=base_url)


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def localize_assets(
    element: Element, *, base_url: str = VENDOR_URL, assets: AssetSet = "folium"
) -> Element:
    """Point every element under ``element`` at the vendored copies of its JS/CSS.

    Sets ``default_js`` / ``default_css`` on the element instances (folium's class-level
    lists stay untouched); a :class:`folium.Map` gets the ``assets`` set. Returns
    ``element`` for chaining.

    Raises
    ------
    UnvendoredAssetError
        If an element needs a file that is not vendored, or is a branca colormap
        (streamlit-folium adds d3 from a CDN for those; use :func:`geo.maps.add_legend`).
    """
    from branca.colormap import ColorMap

    for node in _walk(element):
        if isinstance(node, ColorMap):
            msg = _(
                "branca colormaps make streamlit-folium load d3 from the internet; "
                "draw legends with geo.maps.add_legend instead"
            )
            raise UnvendoredAssetError(msg)
        if isinstance(node, folium.Map):
            node.default_js = _map_links(type(node).default_js, base_url, assets)
            node.default_css = _map_links(type(node).default_css, base_url, assets)
        elif isinstance(node, folium.elements.JSCSSMixin):
            node.default_js = localize_links(node.default_js, base_url=base_url)
            node.default_css = localize_links(node.default_css, base_url=base_url)
    return element


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that uses only vendored assets and no tile layer by default.

    Every render first calls :func:`localize_assets` on the whole map, so elements added
    after construction (e.g. a MarkerCluster) are covered too.
    """

    def __init__(
        self,
        *,
        base_url: str = VENDOR_URL,
        assets: AssetSet = "folium",
        tiles: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(tiles=tiles, **kwargs)
        self.asset_base_url = base_url
        self.asset_set: AssetSet = assets
        localize_assets(self, base_url=base_url, assets=assets)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Localize every element's assets, then render as folium does."""
        localize_assets(self, base_url=self.asset_base_url, assets=self.asset_set)
        super().render(**kwargs)  # type: ignore[no-untyped-call]


def offline_map(
    *, base_url: str = VENDOR_URL, assets: AssetSet = "folium", **kwargs: Any
) -> folium.Map:
    """Return a folium map with no tile layer whose JS/CSS all come from ``base_url``.

    ``kwargs`` go to :class:`folium.Map` (``location``, ``zoom_start``,
    ``control_scale``...). Pass ``tiles=...`` only for an explicitly requested online
    basemap.
    """
    return OfflineMap(base_url=base_url, assets=assets, **kwargs)


# ---------------------------------------------------------------------- standalone HTML
_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"'][^>]*>\s*</script\s*>", re.IGNORECASE
)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*/?>", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*([\"']?)([^\"')]+)\1\s*\)")


def asset_urls(html: str) -> list[str]:
    """Return the URLs of every ``<script src>`` and ``<link href>`` in ``html``."""
    return [m.group(1) for m in _SCRIPT_SRC.finditer(html)] + [
        m.group(1) for m in _LINK_HREF.finditer(html)
    ]


def asset_file(url: str, *, base_url: str = VENDOR_URL) -> Path:
    """Return the vendored file behind a local asset URL (``/app/static/vendor/...``).

    Raises
    ------
    UnvendoredAssetError
        If the URL is not under ``base_url`` or the file does not exist.
    """
    prefix = base_url.rstrip("/") + "/"
    path = url.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(prefix):
        msg = _("{url} is not a vendored asset under {prefix}").format(url=url, prefix=prefix)
        raise UnvendoredAssetError(msg)
    root = vendor_dir().resolve()
    file = (root / path[len(prefix) :]).resolve()
    if root not in file.parents or not file.is_file():
        msg = _("{url}: no such vendored file {file}").format(url=url, file=file)
        raise UnvendoredAssetError(msg)
    return file


def _data_uri(file: Path) -> str:
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if file.suffix == ".woff2":
        mime = "font/woff2"
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def _inline_css(css: str, file: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or is_remote(target):
            return match.group(0)
        resource = (file.parent / target.split("?", 1)[0].split("#", 1)[0]).resolve()
        if not resource.is_file():
            return match.group(0)
        return f'url("{_data_uri(resource)}")'

    return _CSS_URL.sub(replace, css)


def inline_assets(html: str, *, base_url: str = VENDOR_URL) -> str:
    """Return ``html`` with its vendored scripts and stylesheets inlined.

    ``<script src>`` tags become inline scripts; ``<link href>`` stylesheets become
    ``<style>`` blocks whose ``url(...)`` images and fonts are ``data:`` URIs. The result
    opens offline from a single file.

    Raises
    ------
    UnvendoredAssetError
        If a script or stylesheet is remote or missing from ``static/vendor``.
    """

    def script(match: re.Match[str]) -> str:
        code = asset_file(local_url(match.group(1), base_url=base_url), base_url=base_url)
        text = code.read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{text}</script>"

    def link(match: re.Match[str]) -> str:
        tag = match.group(0)
        if "stylesheet" not in tag.lower():
            return tag
        file = asset_file(local_url(match.group(1), base_url=base_url), base_url=base_url)
        css = _inline_css(file.read_text(encoding="utf-8"), file).replace("</style", "<\\/style")
        return f"<style>{css}</style>"

    return _LINK_HREF.sub(link, _SCRIPT_SRC.sub(script, html))
