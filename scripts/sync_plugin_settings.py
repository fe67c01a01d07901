"""Regenerate tap-luminous's Meltano plugin definition from the tap's own settings.

    scripts/sync-plugin-settings.sh            # rewrite meltano.yml and the Hub definition
    scripts/sync-plugin-settings.sh --check    # exit 1 (and say what) if either is out of date

Source: `tap-luminous --about --format=json` (the tap next to this Python, or `--about-json`).
Rewritten: in `meltano.yml`, the `capabilities` and `settings` of the tap-luminous extractor; in
`hub/extractors/tap-luminous/tap-luminous.yml`, `capabilities`, `settings_group_validation` and
`settings` (its Hub-only header and texts are kept).

The file is parsed as YAML and only the text of those values is replaced, found by position in
the parsed document, not by marker comments: Meltano's own edits (`meltano config set`,
`meltano select`) re-emit meltano.yml, reorder keys, unwrap lines and drop comments, and the sync
still works afterwards. Everything else in the file (comments, `config:`, `select:`, other
plugins) is left as it is.

Kinds, so that Meltano passes what the user wrote and the tap validates it (one line naming the
setting, before any request):
- `string` for text, for date and date-time settings (`start_date`: Meltano's `date_iso8601`
  rewrites `01/11/2026` to 2026-01-11 and `last tuesday` to a date instead of rejecting them) and
  for numbers (Meltano's `decimal` fails on a value from an environment variable, "Object of type
  Decimal is not JSON serializable", and its `integer` refuses 0.5; the tap reads the number from
  the text and names the setting when it is not one)
  and for booleans (Meltano reads any text but true/1/yes/on as false; the tap accepts only
  true/false and names the setting otherwise);
- `integer`, `array`, `object` as the tap declares them (Meltano parses those and stops with an
  error on a value it cannot parse);
- `sensitive: true` for settings the tap marks secret.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import typing as t
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
MELTANO_YML = REPO / "meltano.yml"
HUB_YML = REPO / "hub" / "extractors" / "tap-luminous" / "tap-luminous.yml"
PLUGIN = "tap-luminous"
WIDTH = 96

#: Capabilities Meltano (and the Hub) know for extractors, in the tap's order.
KNOWN_CAPABILITIES = {
    "properties",
    "catalog",
    "discover",
    "state",
    "about",
    "stream-maps",
    "schema-flattening",
    "activate-version",
    "batch",
    "test",
    "log-based",
    "structured-logging",
}
#: Marker comments of older versions of this script; removed when found.
OLD_MARKERS = (
    "# --- generated settings: scripts/sync-plugin-settings.sh (do not edit by hand) ---",
    "# --- end of generated settings ---",
)


class SyncError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------
# What to write


def kind_of(prop: dict[str, t.Any]) -> str:
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else [x for x in types if x != "null"]
    if prop.get("format") in ("date-time", "date", "time"):
        return "string"
    for candidate in ("integer", "array", "object"):
        if candidate in types:
            return candidate
    return "string"  # text, and numbers (see the module docstring)


def plugin_settings(about: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    settings = []
    for name, prop in about["settings"]["properties"].items():
        setting: dict[str, t.Any] = {"name": name, "kind": kind_of(prop)}
        if prop.get("secret"):
            setting["sensitive"] = True
        if prop.get("default") is not None:
            setting["value"] = prop["default"]
        setting["label"] = prop.get("title") or name.replace("_", " ").title()
        setting["description"] = " ".join((prop.get("description") or setting["label"]).split())
        settings.append(setting)
    return settings


def capabilities(about: dict[str, t.Any]) -> list[str]:
    return [c for c in about["capabilities"] if c in KNOWN_CAPABILITIES]


# --------------------------------------------------------------------------------------------
# Replacing a value inside a YAML file by its position


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return t.cast(yaml.Node, value_node)
    return None


def _content_end(node: yaml.Node) -> int:
    """Index just past the last character of the node's own text (not the comments after it).

    A block collection's `end_mark` is the start of the next token, after any comment and blank
    line that follow; the end of its last scalar is where its text really ends.
    """
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [v for _, v in node.value]
    if not children:
        return int(node.end_mark.index)
    return _content_end(children[-1])


def _dump(obj: t.Any, indent: int, flow: bool = False) -> str:
    if flow:
        return yaml.safe_dump(obj, default_flow_style=True, width=WIDTH, sort_keys=False).strip()
    text = yaml.safe_dump(obj, sort_keys=False, width=WIDTH - indent, allow_unicode=True)
    return "".join(
        " " * indent + line if line.strip() else line for line in text.splitlines(keepends=True)
    )


def replace_value(text: str, node: yaml.Node, value: t.Any) -> str:
    """`text` with the YAML value `node` replaced by `value`, in the node's own style."""
    start = int(node.start_mark.index)
    if getattr(node, "flow_style", False) or isinstance(node, yaml.ScalarNode):
        return text[:start] + _dump(value, 0, flow=True) + text[_content_end(node) :]
    column = int(node.start_mark.column)
    end = _content_end(node)
    newline = text.find("\n", end)
    end = len(text) if newline < 0 else newline + 1
    new = _dump(value, column)[column:]  # the line's indentation is already in `text`
    return text[:start] + new + text[end:]


def _compose(text: str, path: Path) -> yaml.Node:
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise SyncError(f"{path} is not valid YAML: {exc}") from exc
    if root is None:
        raise SyncError(f"{path} is empty")
    return root


def _tap_node(root: yaml.Node, path: Path) -> yaml.Node:
    extractors = _get(_get(root, "plugins") or yaml.MappingNode("", []), "extractors")
    if isinstance(extractors, yaml.SequenceNode):
        for item in extractors.value:
            name = _get(item, "name")
            if isinstance(name, yaml.ScalarNode) and name.value == PLUGIN:
                return t.cast(yaml.Node, item)
    raise SyncError(f"{path}: no extractor named {PLUGIN!r} under plugins.extractors")


def _set_values(
    text: str, path: Path, find: t.Callable[[yaml.Node], yaml.Node], values: dict[str, t.Any]
) -> str:
    """Replace each key of `values` inside the mapping `find(root)`, last position first."""
    root = _compose(text, path)
    mapping = find(root)
    nodes = []
    for key, value in values.items():
        node = _get(mapping, key)
        if node is None:
            raise SyncError(f"{path}: {PLUGIN} has no `{key}:` to update; add `{key}: []` first")
        nodes.append((node, value))
    for node, value in sorted(nodes, key=lambda nv: -int(nv[0].start_mark.index)):
        text = replace_value(text, node, value)
    return text


def _drop_old_markers(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if line.strip() not in OLD_MARKERS)


def synced_meltano_yml(text: str, path: Path, about: dict[str, t.Any]) -> str:
    text = _drop_old_markers(text)
    text = _set_values(
        text,
        path,
        lambda root: _tap_node(root, path),
        {"capabilities": capabilities(about), "settings": plugin_settings(about)},
    )
    project = yaml.safe_load(text)
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == PLUGIN]
    if tap["settings"] != plugin_settings(about):
        raise SyncError(f"{path}: the rewritten settings do not read back as written")
    return text


def synced_hub_yml(text: str, path: Path, about: dict[str, t.Any], group: t.Any) -> str:
    return _set_values(
        text,
        path,
        lambda root: root,
        {
            "capabilities": capabilities(about),
            "settings_group_validation": group,
            "settings": plugin_settings(about),
        },
    )


# --------------------------------------------------------------------------------------------


def read_about(about_json: Path | None) -> dict[str, t.Any]:
    if about_json is not None:
        return t.cast(dict[str, t.Any], json.loads(about_json.read_text()))
    tap = Path(sys.executable).parent / "tap-luminous"
    if not tap.exists():
        raise SyncError(f"no {tap}: run python3 scripts/bootstrap.py first (or set PYTHON)")
    proc = subprocess.run(
        [str(tap), "--about", "--format=json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise SyncError(f"tap-luminous --about failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return t.cast(dict[str, t.Any], json.loads(proc.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files out of date")
    parser.add_argument("--meltano-yml", type=Path, default=MELTANO_YML)
    parser.add_argument("--hub", type=Path, default=HUB_YML, help="the Hub definition file")
    parser.add_argument("--about-json", type=Path, default=None, help="`--about` output to use")
    args = parser.parse_args(argv)
    try:
        about = read_about(args.about_json)
        melt_text = args.meltano_yml.read_text()
        new_melt = synced_meltano_yml(melt_text, args.meltano_yml, about)
        (tap,) = [
            p for p in yaml.safe_load(new_melt)["plugins"]["extractors"] if p["name"] == PLUGIN
        ]
        hub_text = args.hub.read_text()
        new_hub = synced_hub_yml(hub_text, args.hub, about, tap["settings_group_validation"])
    except (SyncError, OSError) as exc:
        print(f"sync-plugin-settings: {exc}", file=sys.stderr)
        return 2
    stale = [
        p
        for p, old, new in ((args.meltano_yml, melt_text, new_melt), (args.hub, hub_text, new_hub))
        if old != new
    ]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run scripts/sync-plugin-settings.sh", file=sys.stderr)
        return 1 if stale else 0
    args.meltano_yml.write_text(new_melt)
    args.hub.write_text(new_hub)
    count = len(about["settings"]["properties"])
    changed = ", ".join(str(p) for p in stale) or "nothing changed"
    print(f"{PLUGIN}: {count} settings in {args.meltano_yml} and {args.hub} ({changed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
