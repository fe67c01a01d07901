#!/usr/bin/env bash
# Regenerate the tap-luminous settings and capabilities in meltano.yml and the Meltano Hub definition from the
# tap's own settings (`tap-luminous --about --format=json`), so they never drift:
#   - meltano.yml: the block between the "generated settings" marker comments;
#   - hub/extractors/tap-luminous/tap-luminous.yml: capabilities, settings_group_validation and
#     settings (its Hub-only header and texts are kept).
# Kinds: string (sensitive when the tap marks it secret), date_iso8601 for date-time, integer,
# boolean, array, object; a `number` with a whole default becomes `integer` and one without a
# default `decimal` (Meltano 4.4 crashes on a `kind: decimal` value given as an env var, so the
# whole-second settings stay integers). tests/test_meltano_postgres.py checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || { echo "no $PYTHON: run python3 scripts/bootstrap.py first (or set PYTHON)" >&2; exit 1; }
TAP="$(dirname "$PYTHON")/tap-luminous"
"$TAP" --about --format=json > "${TMPDIR:-/tmp}/tap-luminous-about.json"
"$PYTHON" - "${TMPDIR:-/tmp}/tap-luminous-about.json" <<'PY'
import json
import sys
from pathlib import Path

import yaml

about = json.loads(Path(sys.argv[1]).read_text())
BEGIN = "    # --- generated settings: scripts/sync-plugin-settings.sh (do not edit by hand) ---\n"
END = "    # --- end of generated settings ---\n"


def kind_of(prop):
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    if prop.get("format") == "date-time":
        return "date_iso8601"
    for candidate in ("boolean", "integer", "array", "object"):
        if candidate in types:
            return candidate
    if "number" in types:
        default = prop.get("default")
        whole = isinstance(default, (int, float)) and float(default).is_integer()
        return "integer" if whole else "decimal"
    return "string"


settings = []
for name, prop in about["settings"]["properties"].items():
    setting = {"name": name, "kind": kind_of(prop)}
    if prop.get("secret"):
        setting["sensitive"] = True
    if prop.get("default") is not None:
        setting["value"] = prop["default"]
    setting["label"] = prop.get("title") or name.replace("_", " ").title()
    description = " ".join((prop.get("description") or setting["label"]).split())
    if setting["kind"] == "decimal":
        description += (
            " Set it in meltano.yml or with `meltano config set`: Meltano 4.4 fails on a"
            " decimal setting given as an environment variable."
        )
    setting["description"] = description
    settings.append(setting)


def dump(obj, indent=0):
    text = yaml.safe_dump(obj, sort_keys=False, width=96 - indent, allow_unicode=True)
    return "".join(" " * indent + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


# Capabilities Meltano (and the Hub) know for extractors, in the tap's order.
KNOWN = {"properties", "catalog", "discover", "state", "about", "stream-maps",
         "schema-flattening", "activate-version", "batch", "test", "log-based",
         "structured-logging"}
capabilities = [c for c in about["capabilities"] if c in KNOWN]

melt = Path("meltano.yml")
text = melt.read_text()
start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
text = text[:start] + dump(settings, 4) + text[end:]
tap_at = text.index("  - name: tap-luminous\n")
cap_start = text.index("    capabilities:\n", tap_at) + len("    capabilities:\n")
cap_end = cap_start
while text.startswith("    - ", cap_end):
    cap_end = text.index("\n", cap_end) + 1
text = text[:cap_start] + "".join(f"    - {c}\n" for c in capabilities) + text[cap_end:]
melt.write_text(text)

project = yaml.safe_load(text)
(tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-luminous"]
hub = Path("hub/extractors/tap-luminous/tap-luminous.yml")
hub_text = hub.read_text()
header = hub_text[: hub_text.index("capabilities:\n")]
texts = hub_text[hub_text.index("settings_preamble:") : hub_text.index("\nsettings:\n") + 1]
hub.write_text(
    header
    + dump({"capabilities": tap["capabilities"]})
    + dump({"settings_group_validation": tap["settings_group_validation"]})
    + texts
    + dump({"settings": tap["settings"]})
)
print(f"meltano.yml and {hub}: {len(settings)} tap-luminous settings")
PY
