#!/usr/bin/env bash
# Reproduce static/vendor/: every JS/CSS file folium 0.20 and streamlit-folium 0.27 would
# otherwise fetch from CDNs, downloaded from the npm registry (and the folium sdist from PyPI
# for its one CSS file that is not on npm), with each package's licence.
#
# The app never fetches these at run time: Streamlit serves static/ at /app/static/ and
# geo/webassets.py maps each CDN URL to its local copy (VENDORED in that module must match
# the files written here; tests/test_maps.py checks that every mapped file exists).
#
# Usage: bash scripts/vendor-assets.sh        (needs npm and network access to the registries)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

unpack() { # unpack <npm spec> <dir>: npm pack the spec and extract it into $WORK/<dir>
    local spec="$1" dir="$WORK/$2"
    mkdir -p "$dir"
    (cd "$WORK" && npm pack --silent "$spec" >"$WORK/$2.name")
    tar xzf "$WORK/$(cat "$WORK/$2.name")" -C "$dir" --strip-components=1
}

rm -rf "$OUT"
mkdir -p "$OUT"

# Leaflet 1.9.3 (folium Map.default_js/default_css: leaflet, leaflet_css)
unpack leaflet@1.9.3 leaflet
D="$OUT/leaflet@1.9.3"
mkdir -p "$D/images"
cp "$WORK/leaflet/dist/leaflet.js" "$WORK/leaflet/dist/leaflet.css" "$WORK/leaflet/LICENSE" "$D/"
cp "$WORK/leaflet/dist/images/"*.png "$D/images/"

# jQuery 3.7.1 (folium: jquery; used by folium popups with HTML content)
unpack jquery@3.7.1 jquery
D="$OUT/jquery@3.7.1"
mkdir -p "$D"
cp "$WORK/jquery/dist/jquery.min.js" "$WORK/jquery/LICENSE.txt" "$D/"

# Bootstrap 5.2.2 (folium: bootstrap, bootstrap_css)
unpack bootstrap@5.2.2 bootstrap5
D="$OUT/bootstrap@5.2.2"
mkdir -p "$D/js" "$D/css"
cp "$WORK/bootstrap5/dist/js/bootstrap.bundle.min.js" "$D/js/"
cp "$WORK/bootstrap5/dist/css/bootstrap.min.css" "$D/css/"
cp "$WORK/bootstrap5/LICENSE" "$D/"

# Glyphicons (folium: glyphicons_css, netdna.bootstrapcdn.com/bootstrap/3.0.0/css/
# bootstrap-glyphicons.css). That file is not on npm (bootstrap@3.0.0 is not published
# there); the same rules (@font-face + .glyphicon*) are cut from bootstrap@3.4.1's
# dist/css/bootstrap.css, with its fonts.
unpack bootstrap@3.4.1 bootstrap3
D="$OUT/bootstrap-glyphicons@3.4.1"
mkdir -p "$D/css" "$D/fonts"
awk '/^@font-face/ && !start {start=1} start {print} /glyphicon-menu-up:before/ {stop=1} stop && /^}/ {exit}' \
    "$WORK/bootstrap3/dist/css/bootstrap.css" >"$D/css/bootstrap-glyphicons.css"
grep -q 'Glyphicons Halflings' "$D/css/bootstrap-glyphicons.css"
cp "$WORK/bootstrap3/dist/fonts/"glyphicons-halflings-regular.* "$D/fonts/"
cp "$WORK/bootstrap3/LICENSE" "$D/"

# Font Awesome Free 6.2.0 (folium: awesome_markers_font_css)
unpack @fortawesome/fontawesome-free@6.2.0 fontawesome
D="$OUT/fontawesome-free@6.2.0"
mkdir -p "$D/css" "$D/webfonts"
cp "$WORK/fontawesome/css/all.min.css" "$D/css/"
cp "$WORK/fontawesome/webfonts/"* "$D/webfonts/"
cp "$WORK/fontawesome/LICENSE.txt" "$D/"

# Leaflet.awesome-markers 2.0.2 (folium: awesome_markers, awesome_markers_css). The
# upstream name has no 2.0.2 on npm; drmonty-leaflet-awesome-markers republishes 2.0.2
# unchanged. Its package.json declares MIT; the licence text is written from it.
unpack drmonty-leaflet-awesome-markers@2.0.2 awesome
D="$OUT/leaflet.awesome-markers@2.0.2"
mkdir -p "$D/images"
cp "$WORK/awesome/js/leaflet.awesome-markers.js" "$WORK/awesome/css/leaflet.awesome-markers.css" "$D/"
cp "$WORK/awesome/css/images/"*.png "$D/images/"
cat >"$D/LICENSE" <<'EOF'
Leaflet.awesome-markers 2.0.2 — https://github.com/lvoogdt/Leaflet.awesome-markers
Copyright (C) 2013 Lennard Voogdt. Licensed under the MIT License (declared in the
package.json of the npm package drmonty-leaflet-awesome-markers@2.0.2, which this copy
comes from):

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
EOF

# folium's leaflet.awesome.rotate CSS (folium: awesome_rotate_css, served by folium from
# GitHub; not on npm): taken from the folium 0.20.0 sdist on PyPI.
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: folium==0.20.0 -d "$WORK/folium"
tar xzf "$WORK/folium/folium-0.20.0.tar.gz" -C "$WORK/folium"
D="$OUT/folium@0.20.0"
mkdir -p "$D"
cp "$WORK/folium/folium-0.20.0/folium/templates/leaflet.awesome.rotate.css" "$D/"
cp "$WORK/folium/folium-0.20.0/LICENSE.txt" "$D/"

# Leaflet.markercluster 1.1.0 (folium.plugins.MarkerCluster)
unpack leaflet.markercluster@1.1.0 markercluster
D="$OUT/leaflet.markercluster@1.1.0"
mkdir -p "$D"
cp "$WORK/markercluster/dist/leaflet.markercluster.js" "$WORK/markercluster/dist/MarkerCluster.css" \
    "$WORK/markercluster/dist/MarkerCluster.Default.css" "$WORK/markercluster/MIT-LICENCE.txt" "$D/"

echo "==> vendored into $OUT:"
(cd "$OUT" && find . -type f | sort)
