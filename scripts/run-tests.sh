#!/usr/bin/env bash
# Run the whole test suite. Installs what the tests need: the [test] extras into .venv and,
# when missing, Debian's chromium (browser tests) and PostgreSQL 15 + PostGIS (store tests).
# Nothing is skipped silently: if a system package cannot be installed, this fails.
# Usage: bash scripts/run-tests.sh [pytest options]
set -euo pipefail
ZONAS_EXTRAS=test
source "$(dirname "$0")/_setup.sh"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${need[*]}"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
exec python -m pytest "$@"
