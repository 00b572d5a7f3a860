#!/usr/bin/env bash
# Refresh the gettext catalogs after strings in the code changed:
#   1. extract  every _(), N_(), ngettext(), pgettext() string (babel.cfg) → geo/locale/zonas.pot
#   2. update   geo/locale/{es,en}/LC_MESSAGES/zonas.po (new msgids added empty, gone ones dropped;
#               a changed msgid gets the old translation marked fuzzy, to review)
#   3. English  fill every empty or fuzzy English msgstr with its msgid (the source is English)
#   4. compile  zonas.mo next to each .po (not committed; geo/i18n.py compiles the .po in memory
#               when the .mo is missing or older) and list what Spanish still lacks.
# Then translate the listed Spanish entries in geo/locale/es/LC_MESSAGES/zonas.po (remove the
# "#, fuzzy" line once checked) and run this again. tests/test_i18n.py fails until nothing is
# missing. Usage: bash scripts/update-translations.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY="${PYTHON:-python3}"; fi
LOCALE=geo/locale
POT="$LOCALE/zonas.pot"

echo "==> extract → $POT"
"$PY" -m babel.messages.frontend --quiet extract -F babel.cfg --no-default-keywords -k _ \
    --project zonas --version "$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" \
    --copyright-holder "zonas contributors" --width 100 \
    --sort-by-file -o "$POT" .

for lang in es en; do
    po="$LOCALE/$lang/LC_MESSAGES/zonas.po"
    if [ -f "$po" ]; then
        echo "==> update $po"
        "$PY" -m babel.messages.frontend --quiet update -i "$POT" -d "$LOCALE" -D zonas -l "$lang" \
            --width 100 --ignore-obsolete
    else
        echo "==> init $po"
        "$PY" -m babel.messages.frontend --quiet init -i "$POT" -d "$LOCALE" -D zonas -l "$lang" \
            --width 100
    fi
done

echo "==> English msgstr = msgid"
"$PY" - "$LOCALE/en/LC_MESSAGES/zonas.po" <<'PYTHON'
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as handle:
    catalog = read_po(handle, locale="en", domain="zonas")
filled = 0
for message in catalog:
    if not message.id:
        continue
    empty = not all(message.string) if isinstance(message.id, tuple) else not message.string
    if empty or message.fuzzy:
        message.string = message.id
        message.flags.discard("fuzzy")
        filled += 1
with open(path, "wb") as handle:
    write_po(handle, catalog, width=100, ignore_obsolete=True)
print(f"    {filled} English entries filled")
PYTHON

echo "==> compile"
"$PY" -m babel.messages.frontend compile -d "$LOCALE" -D zonas --statistics

"$PY" - "$LOCALE/es/LC_MESSAGES/zonas.po" <<'PYTHON'
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle, locale="es", domain="zonas")
todo = [
    m for m in catalog
    if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.id, tuple) else m.string))
]
for message in todo:
    where = ", ".join(f"{f}:{n}" for f, n in message.locations)
    print(f"    {'fuzzy' if message.fuzzy else 'empty'}: {message.id!r}  ({where})")
print(f"==> Spanish: {len(todo)} of {sum(1 for m in catalog if m.id)} entries to translate")
PYTHON
