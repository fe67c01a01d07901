"""Smoke tests of the benchmarks: `benchmarks/bench.py --quick`, `benchmarks/pipeline.py` and
`benchmarks/meltano_run.py` on small fakes, end to end.

No timing assertions: the figures depend on the machine. Only that they exit 0 and report every
figure; the pipeline ones also that the rows landed in PostgreSQL.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from tests.pg_cluster import PgServer, PostgresUnavailable, postgres_server

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks" / "bench.py"


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_bench_quick(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--timeout", "60", "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    lines = [line for line in proc.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    by_stream = {row[header.index("stream")]: row for row in rows}
    assert set(by_stream) == {"sales_orders", "purchase_orders"}, proc.stdout
    for stream, row in by_stream.items():
        assert _number(row[header.index("records")]) > 0, stream
        assert _number(row[header.index("tap rec/s")]) > 0, stream
        assert _number(row[header.index("floor rec/s")]) > 0, stream
        assert _number(row[header.index("tap peak RSS MiB")]) > 0, stream
    assert "pages/s" in proc.stdout

    results = json.loads(out_json.read_text())
    assert {r["stream"] for r in results["results"]} == {"sales_orders", "purchase_orders"}
    assert all(r["tap_rec_per_s"] > 0 for r in results["results"])
    assert results["fake"]["pages_per_s"] > 0


@pytest.mark.e2e
def test_pipeline_benchmark_small() -> None:
    """`benchmarks/pipeline.py` end to end on a small fake: every run loads and is reported."""
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "pipeline.py"),
            "--orders",
            "300",
            "--purchase-orders",
            "30",
            "--timeout",
            "240",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        check=False,
    )
    if proc.returncode != 0 and "PostgresUnavailable" in proc.stderr:
        if os.environ.get("TAP_LUMINOUS_REQUIRE_E2E") == "1":
            pytest.fail(proc.stderr[-2000:])
        pytest.skip("no PostgreSQL for the pipeline benchmark")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 8, proc.stdout
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert _number(cells[2]) > 0, row  # records/s
        assert _number(cells[4]) > 0, row  # peak RSS MiB


def _load_meltano_run() -> t.Any:
    spec = importlib.util.spec_from_file_location(
        "meltano_run_bench", REPO / "benchmarks" / "meltano_run.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_meltano_run_benchmark_small(tmp_path: Path) -> None:
    """`benchmarks/meltano_run.py` on a tiny fake: both variants go through `meltano run`, every
    stream's rows are in PostgreSQL as reported, and the report has every field."""
    bench = _load_meltano_run()
    meltano = os.environ.get("MELTANO_BIN") or str(REPO / ".venv-meltano" / "bin" / "meltano")
    required = os.environ.get("TAP_LUMINOUS_REQUIRE_E2E") == "1"
    if not Path(meltano).is_file():
        if required:
            pytest.fail(f"no Meltano at {meltano} (python3 scripts/bootstrap.py makes it)")
        pytest.skip(f"no Meltano at {meltano}")
    with contextlib.ExitStack() as stack:
        try:
            pg = stack.enter_context(postgres_server())
        except PostgresUnavailable as exc:
            if required:
                pytest.fail(str(exc))
            pytest.skip(str(exc))
        schemas: list[str] = []
        stack.callback(_drop_schemas, pg, schemas)
        _run_meltano_benchmark(bench, pg, meltano, tmp_path, schemas)


def _drop_schemas(pg: PgServer, schemas: list[str]) -> None:
    conn = pg.connect()
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for schema in schemas:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        conn.close()


def _run_meltano_benchmark(
    bench: t.Any, pg: PgServer, meltano: str, tmp_path: Path, schemas: list[str]
) -> None:
    report_path = tmp_path / "meltano-run.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "TAP_LUMINOUS_"))}
    env.update(
        {
            "MELTANO_BIN": meltano,
            "PGHOST": pg.host,
            "PGPORT": str(pg.port),
            "PGUSER": pg.user,
            "PGPASSWORD": pg.password or "",
            "PGDATABASE": pg.database,
        }
    )
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "meltano_run.py"),
            "--orders",
            "200",
            "--purchase-orders",
            "20",
            "--run",
            "current:default",
            "current:recommended",
            "--validation-split",
            "--keep-schemas",
            "--timeout",
            "120",
            "--json",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    report = json.loads(report_path.read_text())
    runs = report["runs"]
    assert [(r["tap"], r["variant"]) for r in runs] == [
        ("current", "default"),
        ("current", "recommended"),
    ]
    conn = pg.connect()
    try:
        with conn.cursor() as cur:
            for run in runs:
                schemas.append(run["schema"])
                missing = [f for f in bench.RUN_FIELDS if f not in run]
                assert not missing, f"report lacks {missing}"
                assert set(run["rows_by_table"]) == set(bench.STREAMS), run["rows_by_table"]
                for table, reported in run["rows_by_table"].items():
                    cur.execute(f'SELECT count(*) FROM "{run["schema"]}"."{table}"')  # noqa: S608
                    (count,) = cur.fetchone()
                    assert count == reported > 0, (run["variant"], table, count, reported)
                assert run["rows"] == sum(run["rows_by_table"].values())
                for field in ("wall_s", "rows_per_s", "tap_cpu_s", "target_cpu_s"):
                    assert run[field] > 0, (field, run[field])
                for field in ("tap_rss_mib", "target_rss_mib", "meltano_rss_mib"):
                    assert run[field] > 5, (field, run[field])  # more than the launcher
                assert run["tap_discover_runs"] >= 1
                if pg.throwaway:  # a local server: its CPU is readable
                    assert run["db_cpu_s"] is not None
                    assert run["db_cpu_s"] > 0
    finally:
        conn.close()
    assert runs[1]["settings"] == bench.recommended_settings(), "not meltano.yml's config"
    (split,) = report["validation_split"]
    assert not [f for f in bench.SPLIT_FIELDS if f not in split]
    assert split["records"] == runs[0]["rows"]
    table_rows = [line for line in proc.stdout.splitlines() if line.startswith("| current")]
    assert len(table_rows) == 3, proc.stdout  # two runs, one validation split
