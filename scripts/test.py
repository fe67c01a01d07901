"""The test command: `python3 scripts/test.py [--fast] [pytest args]`.

Sets up .venv (and .venv-meltano for the end-to-end test) on a fresh clone, then runs ruff, mypy
and the whole pytest suite, including the meltano + PostgreSQL end-to-end tests (what CI runs):
the tests marked e2e one at a time, the others on every core (pytest-xdist). Extra arguments go
to one pytest run of everything they select, one test at a time.

`--fast`, the inner loop: ruff, mypy and the tests that need neither Meltano, PostgreSQL nor the
foreign consumers (`-m "not e2e"`), on every core (`PARALLEL`); it installs only .venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bootstrap import REPO, ensure_consumers, ensure_dev_env, ensure_meltano

#: pytest-xdist on every core, a test module per worker at a time (module-scoped fixtures, such
#: as a generated dataset, are then built once, not once per worker).
PARALLEL = ("-n", "auto", "--dist", "loadscope")


def main() -> int:
    args = sys.argv[1:]
    fast = "--fast" in args
    if fast:
        args = ["-m", "not e2e", *PARALLEL, *(a for a in args if a != "--fast")]
    python = ensure_dev_env()
    bin_dir = python.parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    if not fast:
        env["MELTANO_BIN"] = str(ensure_meltano())
        ensure_consumers()  # tests/test_foreign_consumers.py
    pytest = [str(python), "-m", "pytest"]
    if fast or args:
        runs = [[*pytest, *args]]
    else:  # the whole suite: the quick tests on every core, then the end-to-end ones in turn
        runs = [[*pytest, "-m", "not e2e", *PARALLEL], [*pytest, "-m", "e2e"]]
    steps = [
        [str(bin_dir / "ruff"), "check", "."],
        [str(bin_dir / "ruff"), "format", "--check", "."],
        [str(bin_dir / "mypy")],  # the package, the fake, tests, scripts and benchmarks
        *runs,
    ]
    for step in steps:
        print(
            "+ " + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
            flush=True,
        )
        code = subprocess.run(step, cwd=REPO, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
