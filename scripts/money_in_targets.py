"""Measure which Singer targets keep money exact: one hand-written stream into each target.

    python3 scripts/money_in_targets.py                 # all targets, Markdown table on stdout
    python3 scripts/money_in_targets.py --json out.json # ... and the raw results as JSON
    python3 scripts/money_in_targets.py --only target-duckdb

The stream is written here as JSON text, so the digits are exactly these:

    {"type": "SCHEMA", "stream": "money", ... "amount": {"type": ["number", "null"]} ...}
    {"type": "RECORD", "stream": "money", "record": {"id": 1, "amount": 12.30}}
    {"type": "RECORD", ... {"id": 2, "amount": 1234567890123456789012345678901.234}}
    {"type": "RECORD", "stream": "money", "record": {"id": 3, "amount": null}}

Each target gets its own virtualenv under the cache dir (default
$XDG_CACHE_HOME/tap-luminous-money-targets, i.e. outside the repository; `--cache-dir`), made
with uv (or venv + pip) from PyPI once and reused. The PostgreSQL targets load into a throwaway
cluster started by tests/pg_cluster.py (or the server named by PG* variables), each into its
own schema. Values are read back as text with psql, duckdb and sqlite3 (the stdlib module).

Also measured, the workaround for float targets: the same stream piped through Meltano's
`meltano-map-transform` with the stream map of scripts/money_as_text.py (money -> string).

Loopback only; every install, load and query has a time limit (`--timeout` for the whole run).
"""

# The SQL below only interpolates this script's own schema and table names.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from money_as_text import money_stream_maps  # noqa: E402

from tests.pg_cluster import PostgresUnavailable, find_bindir, postgres_server  # noqa: E402

STREAM = "money"
EXACT = {1: "12.30", 2: "1234567890123456789012345678901.234", 3: None}
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "amount": {"type": ["number", "null"]}},
}
# Written by hand (not json.dumps of floats) so the numbers carry exactly these digits.
SINGER_LINES = [
    json.dumps({"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"]}),
    '{"type": "RECORD", "stream": "money", "record": {"id": 1, "amount": 12.30}}',
    '{"type": "RECORD", "stream": "money", "record": '
    '{"id": 2, "amount": 1234567890123456789012345678901.234}}',
    '{"type": "RECORD", "stream": "money", "record": {"id": 3, "amount": null}}',
    '{"type": "STATE", "value": {"bookmarks": {}}}',
]

MAPPER = "meltano-map-transform==0.12.3"
INSTALL_TIMEOUT = 900
LOAD_TIMEOUT = 180


# target-sqlite 0.2.0 (2019, the only target-sqlite on PyPI) pins SQLAlchemy 1.2.12, which does
# not import on Python >= 3.10, and uses `collections.MutableMapping` (removed in 3.10). To
# measure it on a current Python it is installed without its pins (SQLAlchemy 1.3.24 instead)
# and run with the old alias restored by a sitecustomize.py in its venv. Nothing else changes.
SQLITE_SHIM = (
    "import collections, collections.abc\n"
    "for _name in ('MutableMapping', 'Mapping', 'Iterable', 'Sequence'):\n"
    "    setattr(collections, _name, getattr(collections.abc, _name))\n"
)


class Target(t.NamedTuple):
    name: str  # also the venv's directory name
    pip: str  # what is shown in the table
    executable: str
    kind: str  # postgres | duckdb | sqlite
    note: str
    installs: tuple[tuple[str, ...], ...] = ()  # pip argument lists; default: pip's words
    shim: str = ""  # sitecustomize.py for the venv


def _meltano_pip_url(loader: str, fallback: str) -> str:
    """The loader's pip_url in meltano.yml (plain text scan: no YAML library needed)."""
    lines = (REPO / "meltano.yml").read_text().splitlines()
    for n, line in enumerate(lines):
        if line.strip() == f"- name: {loader}":
            for follow in lines[n + 1 : n + 15]:
                if follow.strip().startswith("pip_url:"):
                    return follow.split(":", 1)[1].strip()
                if follow.strip().startswith("- name:"):
                    break
    return fallback


def targets(meltanolabs_sqlite: str | None = None) -> list[Target]:
    found = [
        Target(
            "meltanolabs-target-postgres",
            _meltano_pip_url("target-postgres", "meltanolabs-target-postgres~=0.8.1"),
            "target-postgres",
            "postgres",
            "MeltanoLabs (Singer SDK), pinned in meltano.yml",
        ),
        Target(
            "pipelinewise-target-postgres",
            "pipelinewise-target-postgres==2.1.2",
            "target-postgres",
            "postgres",
            "TransferWise / PipelineWise",
        ),
        Target(
            "target-duckdb",
            _meltano_pip_url("target-duckdb", "target-duckdb~=0.8.0"),
            "target-duckdb",
            "duckdb",
            "jwills, pinned in meltano.yml",
        ),
        Target(
            "target-sqlite",
            "target-sqlite==0.2.0",
            "target-sqlite",
            "sqlite",
            "PyPI `target-sqlite` 0.2.0 (gitlab.com/meltano/target-sqlite), run on Python 3.11 "
            "with SQLAlchemy 1.3.24 and a `collections.MutableMapping` alias",
            installs=(
                ("--no-deps", "target-sqlite==0.2.0"),
                ("inflection>=0.3.1", "singer-python>=5.0.12", "sqlalchemy==1.3.24"),
            ),
            shim=SQLITE_SHIM,
        ),
    ]
    if meltanolabs_sqlite:
        found.append(
            Target(
                "target-sqlite-meltanolabs",
                meltanolabs_sqlite,
                "target-sqlite",
                "sqlite",
                "MeltanoLabs/target-sqlite (the Hub's default variant; not on PyPI)",
            )
        )
    return found


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, cap: float) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("money_in_targets.py ran out of time (raise --timeout)")
        return min(remaining, cap)


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def _run(
    argv: t.Sequence[t.Any], timeout: float, **kwargs: t.Any
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, argv[:3]))} exited {proc.returncode}:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def _uv() -> str | None:
    for candidate in (shutil.which("uv"), str(REPO / ".venv" / "bin" / "uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def pip_arguments(pip: str) -> tuple[tuple[str, ...]]:
    """One install of every requirement in `pip` (a meltano.yml pip_url may hold several:
    `target-duckdb~=0.8.0 duckdb==1.2.2` is two requirements, not one)."""
    return (tuple(pip.split()),)


def ensure_venv(target: Target, cache: Path, deadline: Deadline) -> Path:
    """`cache/<name>` with the target installed (reused when the stamp matches); its bin dir."""
    venv = cache / target.name
    bindir = venv / "bin"
    stamp = venv / ".money-targets-stamp"
    installs = target.installs or pip_arguments(target.pip)
    want = json.dumps([installs, target.shim, list(sys.version_info[:2])])
    if stamp.is_file() and stamp.read_text() == want and (bindir / target.executable).exists():
        return bindir
    log(f"installing {target.pip} into {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    uv = _uv()
    if uv:
        _run([uv, "venv", "--quiet", "--python", sys.executable, venv], deadline.left(120))
        pip = [uv, "pip", "install", "--quiet", "--python", bindir / "python"]
    else:
        _run([sys.executable, "-m", "venv", venv], deadline.left(120))
        pip = [bindir / "python", "-m", "pip", "install", "--quiet"]
    for args in installs:
        _run([*pip, *args], deadline.left(INSTALL_TIMEOUT))
    if target.shim:
        site = _run(
            [bindir / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            deadline.left(60),
        ).stdout.strip()
        (Path(site) / "sitecustomize.py").write_text(target.shim)
    stamp.write_text(want)
    return bindir


MAPPER_TARGET = Target(
    "meltano-map-transform", MAPPER, "meltano-map-transform", "mapper", "Meltano's SDK mapper"
)


# ------------------------------------------------------------------------------------------
# Loading and reading back


def target_config(target: Target, workdir: Path, pg: t.Any, schema: str) -> dict[str, t.Any]:
    if target.kind == "postgres":
        common = {
            "host": pg.host,
            "port": pg.port,
            "user": pg.user,
            "password": pg.password or "",
            "default_target_schema": schema,
        }
        if target.name.startswith("pipelinewise"):
            return {**common, "dbname": pg.database}
        return {**common, "database": pg.database}
    if target.kind == "duckdb":
        return {"filepath": str(workdir / "money.duckdb"), "default_target_schema": schema}
    return {"database": str(workdir / "money")}  # target-sqlite appends ".db"


def load(
    *,
    bindir: Path,
    target: Target,
    config: dict[str, t.Any],
    workdir: Path,
    deadline: Deadline,
    mapper_bindir: Path | None,
) -> None:
    config_file = workdir / "target-config.json"
    config_file.write_text(json.dumps(config))
    stream = "\n".join(SINGER_LINES) + "\n"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    if mapper_bindir is not None:
        maps = money_stream_maps({STREAM: SCHEMA})
        map_file = workdir / "mapper-config.json"
        map_file.write_text(json.dumps({"stream_maps": maps}))
        stream = _run(
            [mapper_bindir / "meltano-map-transform", "--config", map_file],
            deadline.left(LOAD_TIMEOUT),
            input=stream,
            env=env,
            cwd=workdir,
        ).stdout
        (workdir / "mapped.jsonl").write_text(stream)
    _run(
        [bindir / target.executable, "--config", config_file],
        deadline.left(LOAD_TIMEOUT),
        input=stream,
        env=env,
        cwd=workdir,
    )


def read_postgres(pg: t.Any, schema: str, deadline: Deadline) -> tuple[str, dict[int, str | None]]:
    psql = shutil.which("psql")
    bindir = find_bindir()
    if bindir is not None and (bindir / "psql").is_file():
        psql = str(bindir / "psql")
    if psql is None:
        raise RuntimeError("psql not found")
    env = {**os.environ, "PGPASSWORD": pg.password or "", "PGCONNECT_TIMEOUT": "10"}
    base = [psql, "-X", "-A", "-t", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, pg.database]
    kind = _run(
        [
            *base,
            "-c",
            "SELECT data_type FROM information_schema.columns "
            f"WHERE table_schema = '{schema}' AND table_name = '{STREAM}' "
            "AND column_name = 'amount'",
        ],
        deadline.left(60),
        env=env,
    ).stdout.strip()
    out = _run(
        [
            *base,
            "-F",
            "\t",
            "-c",
            f'SELECT id, coalesce(amount::text, \'<NULL>\') FROM "{schema}"."{STREAM}" ORDER BY id',
        ],
        deadline.left(60),
        env=env,
    ).stdout
    return kind, _rows(out)


DUCKDB_READ = r"""
import sys, duckdb
path, schema = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True)
kind = con.execute(
    "SELECT data_type FROM information_schema.columns WHERE table_schema = ? "
    "AND table_name = 'money' AND column_name = 'amount'", [schema]).fetchone()[0]
print(kind)
for row_id, text in con.execute(
        f"SELECT id, coalesce(amount::VARCHAR, '<NULL>') FROM \"{schema}\".money ORDER BY id"
        ).fetchall():
    print(f"{row_id}\t{text}")
"""


def read_duckdb(
    bindir: Path, workdir: Path, schema: str, deadline: Deadline
) -> tuple[str, dict[int, str | None]]:
    out = _run(
        [bindir / "python", "-c", DUCKDB_READ, workdir / "money.duckdb", schema],
        deadline.left(60),
    ).stdout
    kind, _, rest = out.partition("\n")
    return kind.strip(), _rows(rest)


def read_sqlite(workdir: Path) -> tuple[str, dict[int, str | None]]:
    con = sqlite3.connect(workdir / "money.db")
    try:
        declared = {r[1]: r[2] for r in con.execute(f"PRAGMA table_info({STREAM})")}
        rows = con.execute(
            f"SELECT id, typeof(amount), CAST(amount AS TEXT) FROM {STREAM} ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    storage = sorted({r[1] for r in rows if r[1] != "null"})
    kind = f"{declared.get('amount', '?')} (stored as {', '.join(storage) or '-'})"
    return kind, {int(r[0]): r[2] for r in rows}


def _rows(text: str) -> dict[int, str | None]:
    rows: dict[int, str | None] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition("\t")
        rows[int(key)] = None if value == "<NULL>" else value
    return rows


# ------------------------------------------------------------------------------------------


def measure(
    target: Target,
    *,
    bindir: Path,
    mapper_bindir: Path | None,
    pg: t.Any,
    scratch: Path,
    deadline: Deadline,
) -> dict[str, t.Any]:
    label = target.name + (" + money_as_text stream map" if mapper_bindir else "")
    workdir = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=scratch))
    schema = f"money_{target.name.replace('-', '_')}{'_mapped' if mapper_bindir else ''}"
    result: dict[str, t.Any] = {
        "target": label,
        "pip": target.pip,
        "note": target.note,
        "mapped": mapper_bindir is not None,
    }
    started = time.monotonic()
    try:
        config = target_config(target, workdir, pg, schema)
        load(
            bindir=bindir,
            target=target,
            config=config,
            workdir=workdir,
            deadline=deadline,
            mapper_bindir=mapper_bindir,
        )
        if target.kind == "postgres":
            kind, rows = read_postgres(pg, schema, deadline)
        elif target.kind == "duckdb":
            kind, rows = read_duckdb(bindir, workdir, schema, deadline)
        else:
            kind, rows = read_sqlite(workdir)
    except (RuntimeError, OSError, subprocess.SubprocessError, sqlite3.Error) as exc:
        result.update(error=str(exc)[-1500:], exact=False)
        return result
    result.update(
        column_type=kind,
        value_12_30=rows.get(1),
        value_34_digits=rows.get(2),
        null=rows.get(3, "<missing>"),
        exact=rows == EXACT,
        seconds=round(time.monotonic() - started, 1),
    )
    return result


def markdown(results: list[dict[str, t.Any]]) -> str:
    lines = [
        "| target (PyPI) | column type | `12.30` came back as | "
        "`1234567890123456789012345678901.234` came back as | exact |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        name = f"`{r['target']}` (`{r['pip']}`)"
        if "error" in r:
            first = r["error"].strip().splitlines()[-1][:80] if r["error"].strip() else "error"
            lines.append(f"| {name} | failed: {first} | | | no |")
            continue
        lines.append(
            f"| {name} | {r['column_type']} | `{r['value_12_30']}` | `{r['value_34_digits']}` | "
            f"{'**yes**' if r['exact'] else 'no'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cache = (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "tap-luminous-money-targets"
    )
    parser.add_argument("--cache-dir", type=Path, default=default_cache)
    parser.add_argument("--only", action="append", help="target name (repeatable)")
    parser.add_argument(
        "--no-workaround", action="store_true", help="skip the mapper rows for float targets"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--meltanolabs-sqlite",
        metavar="REQUIREMENT",
        help="also measure MeltanoLabs/target-sqlite, installed from this pip requirement "
        "(e.g. git+https://github.com/MeltanoLabs/target-sqlite.git or a local checkout)",
    )
    parser.add_argument("--timeout", type=float, default=1500, help="overall limit, seconds")
    args = parser.parse_args(argv)
    deadline = Deadline(args.timeout)
    chosen = [
        tg for tg in targets(args.meltanolabs_sqlite) if not args.only or tg.name in args.only
    ]
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, t.Any]] = []
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="money-targets-")))
        pg = None
        if any(tg.kind == "postgres" for tg in chosen):
            try:
                pg = stack.enter_context(postgres_server())
            except PostgresUnavailable as exc:
                log(f"no PostgreSQL: {exc}")
        mapper_bindir = None
        for target in chosen:
            if target.kind == "postgres" and pg is None:
                results.append(
                    {"target": target.name, "pip": target.pip, "error": "no PostgreSQL server"}
                )
                continue
            bindir = ensure_venv(target, args.cache_dir, deadline)
            result = measure(
                target, bindir=bindir, mapper_bindir=None, pg=pg, scratch=scratch, deadline=deadline
            )
            results.append(result)
            log(f"{result['target']}: {result.get('column_type', result.get('error'))}")
            if not args.no_workaround and "error" not in result and not result["exact"]:
                if mapper_bindir is None:
                    mapper_bindir = ensure_venv(MAPPER_TARGET, args.cache_dir, deadline)
                mapped = measure(
                    target,
                    bindir=bindir,
                    mapper_bindir=mapper_bindir,
                    pg=pg,
                    scratch=scratch,
                    deadline=deadline,
                )
                results.append(mapped)
                log(f"{mapped['target']}: {mapped.get('column_type', mapped.get('error'))}")
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
