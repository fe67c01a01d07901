"""Consumers that do not support ACTIVATE_VERSION still load a reconciliation's output.

A reconciliation (README, "Deletes and deactivations downstream") adds a `version` to every
RECORD and ACTIVATE_VERSION messages. pipelinewise-target-postgres (validating records) and
target-jsonl ignore both and load every record; singer-check-tap accepts the stream. The
consumers are the venvs of tests/test_foreign_consumers.py.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tests.conftest import DATA_START, EPOCH, TOKEN, config_for
from tests.singer_io import SingerOutput, run_cli
from tests.test_foreign_consumers import consumers as consumers  # noqa: PLC0414 - fixture
from tests.test_foreign_consumers import feed, rejection, target_postgres_config
from tests.test_meltano_postgres import Db
from tests.test_meltano_postgres import pg_server as pg_server  # noqa: PLC0414 - fixture
from tests.test_meltano_postgres import target_schema as target_schema  # noqa: PLC0414

if t.TYPE_CHECKING:
    from pathlib import Path

    from tests.pg_cluster import PgServer


@pytest.fixture(scope="module")
def reconciliation(tmp_path_factory: pytest.TempPathFactory) -> SingerOutput:
    dataset = Dataset.generate(
        sales_orders=300, purchase_orders=30, products=40, seed=7, start=DATA_START, end=EPOCH
    )
    with FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH)) as api:
        config = config_for(api, reconcile_now=True)
        out = run_cli([], config=config, tmp_path=tmp_path_factory.mktemp("tap"), timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert sum(m["type"] == "ACTIVATE_VERSION" for m in out.messages) == 8
    return out


@pytest.mark.e2e
def test_pipelinewise_target_postgres_ignores_the_versions_and_loads_everything(
    reconciliation: SingerOutput,
    consumers: dict[str, Path],
    pg_server: PgServer,
    target_schema: str,
    tmp_path: Path,
) -> None:
    config = target_postgres_config(pg_server, target_schema, tmp_path / "target.json")
    proc = feed(
        consumers["target-postgres"], reconciliation.stdout, "--config", str(config), cwd=tmp_path
    )
    assert proc.returncode == 0, rejection(proc)
    db = Db(pg_server, target_schema)
    try:
        for stream, records in reconciliation.records.items():
            ((count,),) = db.query(f'SELECT count(*) FROM "{target_schema}"."{stream}"')  # noqa: S608
            assert count == len(records), stream
    finally:
        db.close()


@pytest.mark.e2e
def test_target_jsonl_ignores_the_versions_and_writes_every_record(
    reconciliation: SingerOutput, consumers: dict[str, Path], tmp_path: Path
) -> None:
    destination = tmp_path / "out"
    config = tmp_path / "target.json"
    config.write_text(
        json.dumps({"destination_path": str(destination), "do_timestamp_file": False})
    )
    proc = feed(
        consumers["target-jsonl"], reconciliation.stdout, "--config", str(config), cwd=tmp_path
    )
    assert proc.returncode == 0, rejection(proc)
    written = {p.stem: len(p.read_text().splitlines()) for p in destination.glob("*.jsonl")}
    assert written == {s: len(r) for s, r in reconciliation.records.items()}


@pytest.mark.e2e
def test_singer_check_tap_accepts_a_reconciliation(
    reconciliation: SingerOutput, consumers: dict[str, Path], tmp_path: Path
) -> None:
    proc = feed(consumers["singer-check-tap"], reconciliation.stdout, cwd=tmp_path)
    assert proc.returncode == 0, rejection(proc)
