"""Smoke test of the benchmark: `benchmarks/bench.py --quick` runs end to end.

No timing assertions: the figures depend on the machine. Only that it exits 0, prints a table row
per stream with a positive tap rec/s, and writes the same results as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
