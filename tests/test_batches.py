"""Opt-in BATCH output (tap_luminous/batches.py): same records, announced before every STATE."""

from __future__ import annotations

import decimal
import gzip
import json
import signal
import subprocess
import sys
import typing as t
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tap_luminous.batches import parse_batch_config
from tap_luminous.errors import SettingError
from tap_luminous.tap import TapLuminous
from tests.conftest import config_for
from tests.singer_io import REPO, SingerOutput, catalog_selecting, run_cli, run_tap

SALES = ("sales_orders", "sales_order_items", "sales_order_fulfillment_orders")
PURCHASES = ("purchase_orders", "purchase_order_items", "purchase_order_payments")
KEYS = {
    "sales_orders": ("order_id",),
    "sales_order_items": ("order_item_id",),
    "sales_order_fulfillment_orders": ("fulfillment_order_id",),
    "purchase_orders": ("id",),
    "purchase_order_items": ("id",),
    "purchase_order_payments": ("id",),
}


def batch_config(root: Path, size: int = 300, compression: str = "gzip") -> dict[str, t.Any]:
    return {
        "encoding": {"format": "jsonl", "compression": compression},
        "storage": {"root": root.as_uri()},
        "batch_size": size,
    }


def read_batch_file(path: str | Path) -> list[bytes]:
    """The record lines of one batch file, given as a `file://` URL or a path."""
    text = str(path)
    target = Path(unquote(urlsplit(text).path)) if text.startswith("file:") else Path(text)
    data = target.read_bytes()
    return (gzip.decompress(data) if target.name.endswith(".gz") else data).splitlines()


def batched_records(out: SingerOutput) -> dict[str, list[dict[str, t.Any]]]:
    records: dict[str, list[dict[str, t.Any]]] = {}
    for message in out.messages:
        if message["type"] == "BATCH":
            [url] = message["manifest"]
            for line in read_batch_file(url):
                records.setdefault(message["stream"], []).append(
                    json.loads(line, parse_float=decimal.Decimal)
                )
    return records


def canonical(records: list[dict[str, t.Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in records)


# -- the setting ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"encoding": {"format": "parquet"}}, "encoding.format must be 'jsonl'"),
        ({"encoding": {"format": "jsonl", "compression": "bz2"}}, "encoding.compression"),
        ({"storage": {"root": "s3://bucket/batches"}}, "only local directories"),
        ({"storage": {"root": "file://elsewhere/batches"}}, "remote host"),
        ({"storage": {"root": ""}}, "storage.root"),
        ({"storage": {"root": "batches", "prefix": "../up"}}, "storage.prefix"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2_000_000}, "batch_size"),
        ({"batch_size": "10"}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"batch_sizes": 10}, "unknown key 'batch_sizes'"),
        ({"storage": None}, "needs both"),
    ],
)
def test_a_bad_batch_config_is_one_line_naming_the_setting(tmp_path, change, words):
    raw = {**batch_config(tmp_path), **change}
    with pytest.raises(SettingError) as excinfo:
        parse_batch_config(raw)
    message = str(excinfo.value)
    assert excinfo.value.setting == "batch_config"
    assert words in message
    assert "\n" not in message


def test_the_setting_takes_the_sdk_shape_with_defaults(tmp_path):
    settings = parse_batch_config(
        {"encoding": {"format": "jsonl"}, "storage": {"root": str(tmp_path / "b")}}
    )
    assert settings is not None
    assert (settings.directory, settings.compression, settings.batch_size, settings.prefix) == (
        (tmp_path / "b").resolve(),
        "none",
        10_000,
        "",
    )
    assert parse_batch_config(None) is None
    assert parse_batch_config({}) is None


@pytest.mark.parametrize("reconcile", [{"reconcile_now": True}, {"reconcile_every_days": 7}])
def test_batch_is_refused_with_reconciliation(api, tmp_path, reconcile):
    config = config_for(api, batch_config=batch_config(tmp_path), **reconcile)
    with pytest.raises(SettingError, match="carry no table version"):
        TapLuminous(config=config)


def test_batch_is_refused_for_a_versioned_full_read(api, tmp_path):
    config = config_for(api, batch_config=batch_config(tmp_path), purchase_orders_full_scan=True)
    api.clear_requests()
    with pytest.raises(SettingError) as excinfo:
        run_tap(config, streams=PURCHASES)
    assert "reconcile_full_reads" in str(excinfo.value)
    assert api.requests == []  # refused before the first request
    assert not list(tmp_path.iterdir())


# -- the output ----------------------------------------------------------------------------------
def test_batch_files_hold_exactly_the_records_of_a_record_run(api, tmp_path):
    streams = (*SALES, *PURCHASES, "sales_order_shipments", "products")
    plain = run_tap(config_for(api), streams=streams)
    batched = run_tap(config_for(api, batch_config=batch_config(tmp_path)), streams=streams)
    assert not batched.records  # no RECORD message at all
    files = batched_records(batched)
    assert set(files) == set(plain.records)
    for stream, records in plain.records.items():
        assert canonical(files[stream]) == canonical(records), stream
    # Every file is complete (no .part left) and within batch_size.
    names = [p.name for p in tmp_path.iterdir()]
    assert names
    assert not [n for n in names if n.endswith(".part")]
    assert all(n.startswith("tap-luminous-") for n in names)  # ours, not the SDK's batch path
    assert max(len(read_batch_file(tmp_path / n)) for n in names) <= 300
    assert batched.final_state == plain.final_state


def test_money_digits_survive_the_files_exactly(api, tmp_path):
    batched = run_tap(
        config_for(api, batch_config=batch_config(tmp_path, compression="none")),
        streams=["sales_orders"],
    )
    plain = run_tap(config_for(api), streams=["sales_orders"])
    totals = [r["total_amount"] for r in batched_records(batched)["sales_orders"]]
    assert all(isinstance(v, decimal.Decimal) for v in totals)
    assert sorted(totals) == sorted(r["total_amount"] for r in plain.records["sales_orders"])


def _announced_before(out: SingerOutput, index: int) -> dict[str, set[tuple[t.Any, ...]]]:
    seen: dict[str, set[tuple[t.Any, ...]]] = {}
    for message in out.messages[:index]:
        if message["type"] == "BATCH":
            for line in read_batch_file(message["manifest"][0]):
                record = json.loads(line)
                keys = KEYS[message["stream"]]
                seen.setdefault(message["stream"], set()).add(tuple(record[k] for k in keys))
    return seen


def test_a_run_resumed_from_any_state_loses_no_record(make_api, tmp_path):
    """What a target has when it stores a STATE, plus a resumed run, is every record."""
    api = make_api(sales_orders=1200, purchase_orders=120)
    overrides = {"sales_orders_page_size": 100, "purchase_orders_page_size": 20}
    streams = (*SALES, *PURCHASES)
    full = run_tap(config_for(api, **overrides), streams=streams)
    everything = {
        s: {tuple(r[k] for k in KEYS[s]) for r in rows} for s, rows in full.records.items()
    }
    batched = run_tap(
        config_for(api, batch_config=batch_config(tmp_path / "a", size=150), **overrides),
        streams=streams,
    )
    state_positions = [i for i, m in enumerate(batched.messages) if m["type"] == "STATE"]
    mid_export = [
        i
        for i in state_positions
        if "sales_orders" in json.dumps(batched.messages[i]["value"].get("bookmarks", {}))
    ]
    assert len(mid_export) >= 3, "the export wrote too few STATEs to test resuming"
    picks = sorted({mid_export[0], mid_export[len(mid_export) // 2], mid_export[-2]})
    for n, position in enumerate(picks):
        loaded = _announced_before(batched, position)
        resumed = run_tap(
            config_for(api, batch_config=batch_config(tmp_path / f"r{n}", size=150), **overrides),
            streams=streams,
            state=batched.messages[position]["value"],
        )
        for stream, rows in batched_records(resumed).items():
            keys = KEYS[stream]
            loaded.setdefault(stream, set()).update(tuple(r[k] for k in keys) for r in rows)
        for stream, wanted in everything.items():
            missing = wanted - loaded.get(stream, set())
            assert not missing, f"{stream}: {len(missing)} records lost resuming at {position}"


def test_states_mid_export_wait_for_full_files(make_api, tmp_path):
    api = make_api(sales_orders=1200, purchase_orders=10)
    overrides = {"sales_orders_page_size": 100}
    plain = run_tap(config_for(api, **overrides), streams=["sales_orders"])
    batched = run_tap(
        config_for(api, batch_config=batch_config(tmp_path, size=400), **overrides),
        streams=["sales_orders"],
    )
    # 12 pages: one STATE per page without BATCH, one per ~400 rows with it.
    assert len(batched.states) < len(plain.states) / 2
    sizes = [
        len(read_batch_file(m["manifest"][0])) for m in batched.messages if m["type"] == "BATCH"
    ]
    assert sum(sizes) == len(plain.records["sales_orders"])
    assert max(sizes) == 400


def test_each_run_deletes_its_tenants_earlier_files_only(make_api, tmp_path):
    first, other = make_api(sales_orders=300), make_api(sales_orders=300, seed=8)
    root = tmp_path / "shared"
    run_tap(config_for(first, batch_config=batch_config(root)), streams=["sales_orders"])
    first_files = set(root.iterdir())
    run_tap(config_for(other, batch_config=batch_config(root)), streams=["sales_orders"])
    other_files = set(root.iterdir()) - first_files
    assert first_files
    assert other_files
    stray = root / "notes.txt"
    stray.write_text("not ours")
    again = run_tap(config_for(first, batch_config=batch_config(root)), streams=["sales_orders"])
    left = set(root.iterdir())
    assert not first_files & left  # the first tenant's earlier run is gone
    assert other_files <= left  # the other tenant's files are untouched
    assert stray in left
    assert batched_records(again)["sales_orders"]


def test_the_cli_writes_batch_messages_and_exits_0(api, tmp_path):
    config = config_for(api, batch_config=batch_config(tmp_path / "files"))
    out = run_cli([], config=config, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    kinds = {m["type"] for m in out.messages}
    assert "BATCH" in kinds
    assert "RECORD" not in kinds
    last_batch = max(i for i, m in enumerate(out.messages) if m["type"] == "BATCH")
    assert out.messages[-1]["type"] == "STATE"
    assert last_batch < len(out.messages) - 1


def test_sigterm_mid_export_leaves_every_file_complete_and_announced(api, tmp_path):
    """A stopped batched run leaves no half-written or unannounced file, and resuming from its
    last STATE loses nothing."""
    config = config_for(api, sales_orders_page_size=100, batch_config=batch_config(tmp_path / "b"))
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = catalog_selecting(config, ["sales_orders"])
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    box: dict[str, subprocess.Popen[str]] = {}

    def stop_after_pages(request: t.Any) -> None:
        exports = [r for r in api.requests if r.path == "/sales-orders/export"]
        if request.path == "/sales-orders/export" and len(exports) == 8:
            box["proc"].send_signal(signal.SIGTERM)

    api.on_request = stop_after_pages
    argv = [sys.executable, "-c", "from tap_luminous.cli import main; main()"]
    argv += ["--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )
    box["proc"] = proc
    stdout, stderr = proc.communicate(timeout=90)
    api.on_request = None
    first = SingerOutput.parse(stdout, stderr, proc.returncode)
    assert first.returncode == 128 + signal.SIGTERM, stderr[-1500:]
    # Every file was completed and announced (records after the last STATE, as in a RECORD
    # run, are re-read by the resumed run and upserted by key).
    announced = {m["manifest"][0] for m in first.messages if m["type"] == "BATCH"}
    assert {p.as_uri() for p in (tmp_path / "b").iterdir()} == announced
    stopped_with = {r["order_id"] for r in batched_records(first).get("sales_orders", [])}
    resumed = run_tap(
        config_for(api, sales_orders_page_size=100),
        streams=["sales_orders"],
        state=first.final_state,
    )
    everything = run_tap(config_for(api), streams=["sales_orders"])
    assert stopped_with | set(resumed.ids("sales_orders", "order_id")) == set(
        everything.ids("sales_orders", "order_id")
    )
    assert len(stopped_with) < len(everything.records["sales_orders"])  # it did stop mid-way
