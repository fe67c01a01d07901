#!/usr/bin/env bash
# Regenerate the tap-luminous settings and capabilities in meltano.yml and the Meltano Hub
# definition (hub/extractors/tap-luminous/tap-luminous.yml) from `tap-luminous --about`, so they
# never drift. `--check` only reports whether they are out of date. Works on a meltano.yml that
# Meltano itself has rewritten (`meltano config set`, `meltano select`): the values are found in
# the parsed YAML, not by marker comments. Details: scripts/sync_plugin_settings.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || { echo "no $PYTHON: run python3 scripts/bootstrap.py first (or set PYTHON)" >&2; exit 1; }
exec "$PYTHON" scripts/sync_plugin_settings.py "$@"
