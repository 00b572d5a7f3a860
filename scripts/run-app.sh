#!/usr/bin/env bash
# Start the dashboard on the embedded default store (created from the seed data on first run).
# Usage: bash scripts/run-app.sh [--server.port 8501]
set -euo pipefail
source "$(dirname "$0")/_setup.sh"
PORT="${ZONAS_PORT:-8501}"
echo "==> zonas dashboard on http://localhost:${PORT}  (store: ${ZONAS_STORE:-var/zonas.gpkg})"
exec streamlit run app.py --server.port "$PORT" "$@"
