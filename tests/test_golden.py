"""Behaviour kept across refactors: fixed runs' Singer output and error lines, byte for byte.

The files in `tests/golden/` were written by `tests/golden_runs.py` before the package was
restructured (issue 14). A change meant to alter output rewrites them with
`.venv/bin/python -m tests.golden_runs --write` and says why in its commit.
"""

from __future__ import annotations

import pytest

from tests import golden_runs


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    return golden_runs.produce()


@pytest.mark.parametrize(
    "name",
    [
        "seed7-full.jsonl",
        "seed7-incremental.jsonl",
        "seed11-drift-full.jsonl",
        "seed11-drift-incremental.jsonl",
        "bad-settings.txt",
    ],
)
def test_output_is_byte_identical_to_the_golden_file(produced: dict[str, str], name: str) -> None:
    expected = golden_runs.read(name).splitlines()
    actual = produced[name].splitlines()
    for number, (want, got) in enumerate(zip(expected, actual, strict=False), start=1):
        assert got == want, f"{name} line {number} differs"
    assert len(actual) == len(expected), f"{name}: {len(actual)} lines, golden {len(expected)}"


def test_the_runs_cover_every_stream_and_both_run_kinds(produced: dict[str, str]) -> None:
    for label in ("seed7", "seed11-drift"):
        full = produced[f"{label}-full.jsonl"]
        for stream in golden_runs.STREAMS:
            assert f'"type":"RECORD","stream":"{stream}"' in full, (label, stream)
        assert '"type":"RECORD"' in produced[f"{label}-incremental.jsonl"]
    assert produced["bad-settings.txt"].count("\t1\t") == len(golden_runs.BAD_SETTINGS)
