"""Every shell command the documentation shows runs as written on a fresh clone.

Every line of every ```bash / ```sh / ```console block of README.md, docs/*.md, CONTRIBUTING.md
and benchmarks/README.md (`doc_files()`; all sections; a command continued with `\\` is one
command, `$ ` prompts are dropped, output lines of console blocks and comments are ignored) must
be in exactly one of two lists below (a command shown in several files is one entry). Every
command runs from the root of the clone: each of these files says so where its commands start.

- RUN: the test runs it, exactly as written, in a fresh clone (`git clone` of this repository
  plus the working tree's changes) after the two lead commands, i.e. with `.venv`,
  `.venv-meltano` and `output/` present. Each block runs in one bash, its commands in
  order, every one bounded by a timeout and on loopback only; a command that exits non-zero
  fails the test. PATH is the user's, without any virtualenv, so a command that relies on an
  activated venv (a bare `meltano`) fails, and the static check below says so first. Inline
  commands in the prose (`` `meltano run ...` ``) must name their executable too
  (`test_inline_commands_name_their_executable`).
- SKIP: not run, with the reason (a real tenant, PostgreSQL, PyPI, a long run; each names the
  test that covers it where one does).

A command in neither list, or a list entry no longer in any of the files, fails the test: a
documentation change comes with a decision here.

The plugins are the shared ones (the clone's `.meltano/extractors` and `.meltano/loaders` link
to the cache dir's `meltano-sys-*` that tests/test_meltano_postgres.py and
tests/test_money_targets.py use; the clone's meltano.yml is the same, so `meltano install`
finds them installed); the clone has its own Meltano system database.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import textwrap
import time
import typing as t
from pathlib import Path

import pytest
import yaml

from tests.test_meltano_project import Shared, clean_env, shared_install

REPO = Path(__file__).resolve().parent.parent
BLOCK_TIMEOUT = 240


def doc_files(root: Path = REPO) -> list[Path]:
    """The files whose commands this test checks, relative to `root`."""
    docs = sorted(p.relative_to(root) for p in (root / "docs").glob("*.md"))
    return [Path("README.md"), *docs, Path("CONTRIBUTING.md"), Path("benchmarks/README.md")]


FAKE_PORT = 8765  # the README's hand-run fake API

E2E_DEMO = (
    "tests/test_meltano_project.py runs the demo (fake API, a second API as the tenant, Ctrl-C)"
)
NEEDS_TENANT = "needs a real Luminous tenant"
NEEDS_PG = (
    "needs a PostgreSQL server, which the test machine has none of (tests/test_meltano_postgres.py "
    "runs it against the fake API and a throwaway PostgreSQL from tests/pg_cluster.py)"
)
NEEDS_PG_ROLE = (
    "creates a role/database in a system PostgreSQL (none here; tests/pg_cluster.py makes a "
    "throwaway cluster with its own user and database for tests/test_meltano_postgres.py)"
)
NEEDS_TENANTS = (
    "needs two real tenants and a PostgreSQL server (tests/test_meltano_tenants.py runs both "
    "pipelines at the same time against two fake APIs and a throwaway PostgreSQL)"
)

#: Commands the test runs, as the README writes them (compared after shell tokenising).
RUN = [
    "mkdir -p output",
    ".venv/bin/python -m fake_luminous --port 8765 --max-seconds 600 &",
    "export TAP_LUMINOUS_API_URL=http://127.0.0.1:8765/external/api/v1 "
    "TAP_LUMINOUS_API_TOKEN=demo-token",
    ".venv/bin/tap-luminous --config ENV --test",
    ".venv/bin/tap-luminous --config ENV > output/fake-tap.singer.jsonl",
    ".venv-meltano/bin/meltano config test tap-luminous",
    ".venv-meltano/bin/meltano invoke tap-luminous > output/fake-meltano.singer.jsonl",
    "kill %1",
    ".venv/bin/python scripts/money_as_text.py --yaml",
    ".venv/bin/python scripts/money_as_text.py --streams sales_orders,sales_order_items",
    ".venv-meltano/bin/meltano init ../my-meltano-project --no-usage-stats",
    """sed "s|^pip_url: .*|pip_url: $PWD|" hub/extractors/tap-luminous/tap-luminous.yml """
    "> ../my-meltano-project/tap-luminous.yml",
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project add --plugin-type extractor "
    "tap-luminous --from-ref tap-luminous.yml",
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project invoke tap-luminous --about",
    ".venv-meltano/bin/meltano init ../my-pypi-project --no-usage-stats",
    ".venv-meltano/bin/meltano init ../my-git-project --no-usage-stats",
    """sed "s|^pip_url: .*|pip_url: git+file://$PWD|" """
    "hub/extractors/tap-luminous/tap-luminous.yml > ../my-git-project/tap-luminous.yml",
    ".venv-meltano/bin/meltano --cwd ../my-git-project add --plugin-type extractor tap-luminous "
    "--from-ref tap-luminous.yml",
    ".venv-meltano/bin/meltano --cwd ../my-git-project invoke tap-luminous --about",
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project config set tap-luminous company_name "
    "yourcompany",
    """.venv-meltano/bin/meltano --cwd ../my-meltano-project config set tap-luminous api_token """
    '"$LUMINOUS_TOKEN"',
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project config list tap-luminous",
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project select tap-luminous --list --all",
    '.venv-meltano/bin/meltano --cwd ../my-meltano-project select tap-luminous purchase_orders "*"',
    ".venv-meltano/bin/meltano install",
    ".venv-meltano/bin/meltano state list",
    ".venv-meltano/bin/meltano state get dev:tap-luminous-to-target-postgres",
    ".venv-meltano/bin/meltano state set --force dev:tap-luminous-to-target-postgres "
    """'{"singer_state": {"bookmarks": {"sales_orders": {"replication_key": "updated_at", """
    """"replication_key_value": "2026-01-01T00:00:00+00:00"}}}}'""",
    ".venv-meltano/bin/meltano state clear --force dev:tap-luminous-to-target-postgres",
    ".venv-meltano/bin/meltano config list tap-luminous--acme",
    ".venv-meltano/bin/meltano state get dev:tap-luminous--acme-to-target-postgres--per-tenant",
    ".venv-meltano/bin/meltano state get dev:tap-luminous--globex-to-target-postgres--per-tenant",
    ".venv/bin/python benchmarks/bench.py --quick",
]

#: Commands not run, with the reason.
SKIP = {
    "python3 scripts/demo.py": f"long (a minute; minutes on a fresh machine): {E2E_DEMO}",
    "python3 scripts/test.py": "runs this whole suite, this test included",
    "python3 scripts/money_in_targets.py --json benchmarks/money/results.json": (
        "installs five targets (minutes the first time) and rewrites the tracked "
        "benchmarks/money/results.json"
    ),
    'TAP_LUMINOUS_STREAM_MAPS="$(.venv/bin/python scripts/money_as_text.py)" '
    ".venv-meltano/bin/meltano run tap-luminous target-duckdb": (
        f"{NEEDS_TENANT} (or the fake API) configured; tests/test_money_targets.py runs this "
        "pipeline with this map"
    ),
    ".venv-meltano/bin/meltano --cwd ../my-pypi-project add --plugin-type extractor tap-luminous "
    '--from-ref "$PWD/hub/extractors/tap-luminous/tap-luminous.yml"': (
        "tap-luminous is not on PyPI yet (the local-path and git forms above are run)"
    ),
    "export TARGET_POSTGRES_HOST=localhost TARGET_POSTGRES_PORT=5432 "
    "TARGET_POSTGRES_USER=meltano TARGET_POSTGRES_PASSWORD=... "
    "TARGET_POSTGRES_DATABASE=warehouse": (
        "placeholders for your PostgreSQL server (tests/test_meltano_postgres.py sets the same "
        "TARGET_POSTGRES_* variables for its throwaway cluster: PgServer.target_postgres_env)"
    ),
    "sudo -u postgres createuser --pwprompt meltano": NEEDS_PG_ROLE,
    "sudo -u postgres createdb --owner meltano warehouse": NEEDS_PG_ROLE,
    ".venv-meltano/bin/meltano --cwd ../my-meltano-project config test tap-luminous": (
        f"{NEEDS_TENANT} (`yourcompany` is a placeholder); the fake-API block runs "
        "`meltano config test tap-luminous`, tests/test_first_contact.py each failure line"
    ),
    ".venv/bin/tap-luminous --config config.json --test": (
        f"{NEEDS_TENANT} in config.json; the README's fake-API block runs `--config ENV --test`, "
        "tests/test_first_contact.py each failure line"
    ),
    ".venv-meltano/bin/meltano run tap-luminous target-postgres": NEEDS_PG,
    ".venv-meltano/bin/meltano run --full-refresh tap-luminous target-postgres": NEEDS_PG,
    ".venv-meltano/bin/meltano run tap-luminous--bulk target-postgres": (
        f"{NEEDS_PG}: test_the_recommended_bulk_extractor_loads_batch_files_into_postgres"
    ),
    ".venv/bin/python benchmarks/bench.py --runs 3 --latency-ms 0 50": (
        "long (minutes: 3 runs of 20,000 orders, twice); the --quick form is run, "
        "tests/test_benchmark_smoke.py runs it too"
    ),
    ".venv/bin/python benchmarks/meltano_run.py "
    '--variant "lean=default,target-postgres:validate_records=false,'
    'tap-luminous:keep_nested_arrays=false" '
    '--variant "nv=default,target-postgres:validate_records=false" '
    "--run current:default current:nv current:lean current:recommended "
    "--orders 20000 200000 --json /tmp/mr.json": (
        "long (about 20 minutes) and needs a PostgreSQL server; tests/test_benchmark_smoke.py "
        "runs meltano_run.py on 200 orders"
    ),
    ".venv/bin/python benchmarks/incremental.py --purchase-orders 1000 10000 100000 "
    "--invoices 10000 --latency-ms 0 50": (
        "long (minutes at 100,000 purchase orders); tests/test_incremental_reads.py checks "
        "the request counts"
    ),
    ".venv-meltano/bin/meltano run tap-luminous--acme target-postgres--per-tenant": NEEDS_TENANTS,
    ".venv-meltano/bin/meltano run tap-luminous--globex target-postgres--per-tenant": (
        NEEDS_TENANTS
    ),
}

#: Programs a fresh clone has after the lead commands, besides the project's own paths.
PROGRAMS = {"python3", "mkdir", "sed", "kill", "export", "git", "cat", "ls", "cd"}
PROGRAMS |= {"sudo"}  # `sudo -u postgres ...`: PostgreSQL's own tools, as its system user
PROJECT_PATHS = (".venv/bin/", ".venv-meltano/bin/", "scripts/")

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>bash|sh|console)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


class Command(t.NamedTuple):
    text: str  # as written (continuation lines joined), comments included
    key: str  # shell tokens joined by one space: what the lists are matched on
    block: int
    line: int  # line of its file where it starts
    file: str = "README.md"  # relative to the repository root

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def canonical(command: str) -> str:
    return " ".join(shlex.split(command, comments=True))


def readme_commands(text: str, file: str = "README.md") -> list[Command]:
    commands = []
    for number, fence in enumerate(_FENCE.finditer(text)):
        start_line = text.count("\n", 0, fence.start("body")) + 1
        body = textwrap.dedent(fence.group("body"))
        console = fence.group("lang") == "console"
        pending: list[str] = []
        pending_line = 0
        for offset, raw in enumerate(body.splitlines()):
            line = raw.rstrip()
            if not pending:
                if console:
                    if not line.startswith("$ "):
                        continue  # output
                    line = line[2:]
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                pending_line = start_line + offset
            pending.append(line)
            if line.endswith("\\"):
                continue
            joined = "\n".join(pending)
            pending = []
            key = canonical(joined.replace("\\\n", " "))
            if key:
                commands.append(Command(joined, key, number, pending_line, file))
    return commands


def all_commands(root: Path = REPO) -> list[Command]:
    """The commands of every file of `doc_files()`, in file order."""
    commands = []
    for path in doc_files(root):
        commands += readme_commands((root / path).read_text(), str(path))
    return commands


#: Inline code that reads as a command, after any `VAR=value` prefixes: its first word.
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
BARE_PROGRAMS = {"meltano", "tap-luminous", "python", "pip", "uv", "target-postgres"}


def inline_commands(text: str) -> list[tuple[int, str]]:
    """(line, code) of inline code spans outside fenced blocks that start with a bare program."""
    found = []
    in_fence = in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        # Tables generated by scripts/doc_tables.py quote the tap's own setting descriptions
        # (tap_luminous/config_schema.py, shown by `--about` and Meltano): not checked here.
        if line.startswith("<!-- ") and "generated by scripts/doc_tables.py" in line:
            in_table = True
        elif line.startswith("<!-- end of "):
            in_table = False
        if in_fence or in_table:
            continue
        for span in _INLINE.findall(line):
            words = span.split()
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                words.pop(0)
            if len(words) >= 2 and words[0] in BARE_PROGRAMS:
                found.append((number, span))
    return found


def program(command: Command) -> str:
    words = shlex.split(command.text.replace("\\\n", " "), comments=True)
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words.pop(0)
    return words[0] if words else ""


# --------------------------------------------------------------------------------------------
# Static: every command is classified, and callable on a fresh clone


def test_every_readme_command_is_run_or_skipped_with_a_reason() -> None:
    commands = all_commands()
    assert len([c for c in commands if c.file == "README.md"]) >= 15, (
        "the README's shell blocks were not found"
    )
    assert {c.file for c in commands} >= {"README.md", "docs/incremental.md", "docs/targets.md"}
    run_keys = {canonical(c) for c in RUN}
    skip_keys = {canonical(c): reason for c, reason in SKIP.items()}
    assert not run_keys & set(skip_keys), "a command is in both RUN and SKIP"
    assert all(reason.strip() for reason in skip_keys.values())
    found = {c.key for c in commands}
    unknown = [f"{c.where}: {c.key}" for c in commands if c.key not in run_keys | set(skip_keys)]
    assert not unknown, (
        "commands neither run nor skipped by tests/test_readme_commands.py (add each to "
        "RUN, or to SKIP with its reason):\n" + "\n".join(unknown)
    )
    stale = sorted((run_keys | set(skip_keys)) - found)
    assert not stale, (
        "listed in tests/test_readme_commands.py but in none of "
        f"{', '.join(map(str, doc_files()))}:\n" + "\n".join(stale)
    )


def test_every_readme_command_calls_what_a_fresh_clone_has() -> None:
    """`meltano` or `tap-luminous` alone is not on PATH: the docs must name the venv's."""
    bad = []
    for command in all_commands():
        name = program(command)
        if name not in PROGRAMS and not name.startswith(PROJECT_PATHS):
            bad.append(f"{command.where}: `{name}` in: {command.key}")
    assert not bad, (
        "not on PATH on a fresh clone after the lead commands (write .venv/bin/... or "
        ".venv-meltano/bin/...):\n" + "\n".join(bad)
    )


def test_inline_commands_name_their_executable() -> None:
    """A command quoted in the prose is copied and run too: `meltano run ...` alone fails."""
    bad = [
        f"{path}:{line}: `{span}`"
        for path in doc_files()
        for line, span in inline_commands((REPO / path).read_text())
    ]
    assert not bad, (
        "inline commands that name a program not on PATH (write .venv-meltano/bin/meltano, "
        ".venv/bin/python, .venv/bin/tap-luminous, or reword a mention that is not a command):\n"
        + "\n".join(bad)
    )


def test_the_command_parser() -> None:
    text = (
        "x\n```bash\n# comment\na one  # trailing\nb \\\n  two\n\n```\n"
        "  ```sh\n  c three\n  ```\n```console\n$ d four\noutput line\n```\n```yaml\ne: 1\n```\n"
    )
    got = [(c.key, c.block, c.line) for c in readme_commands(text)]
    assert got == [("a one", 0, 4), ("b two", 0, 5), ("c three", 1, 10), ("d four", 2, 13)]
    prose = "Run `meltano run x y`, `X=1 python -m a`, not `meltano.yml`, `tap-luminous`.\n"
    prose += "```bash\n`meltano in a block`\n```\n`.venv-meltano/bin/meltano run x`\n"
    assert inline_commands(prose) == [(1, "meltano run x y"), (1, "X=1 python -m a")]


# --------------------------------------------------------------------------------------------
# Running them


def _user_path() -> str:
    """PATH without any virtualenv's bin directory (as a user's shell on a fresh clone)."""
    venvish = [str(REPO), os.environ.get("VIRTUAL_ENV") or "\0"]
    keep = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or any(entry.startswith(v) for v in venvish):
            continue
        if (Path(entry) / "pyvenv.cfg").exists() or (Path(entry).parent / "pyvenv.cfg").exists():
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


def fresh_clone(dest: Path, shared: Shared) -> Path:
    """A `git clone` of this repository with the working tree's changes on top."""
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(dest)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        timeout=60,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        name = raw.decode()
        src, dst = REPO / name, dest / name
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        elif not src.exists():
            dst.unlink(missing_ok=True)  # deleted in the working tree
    # What the lead commands leave behind.
    for venv in (".venv", ".venv-meltano"):
        (dest / venv).symlink_to(REPO / venv)
    (dest / "output").mkdir(exist_ok=True)
    (dest / ".meltano").mkdir()
    for kind in ("extractors", "loaders"):
        (shared.sys_dir / kind).mkdir(exist_ok=True)
        (dest / ".meltano" / kind).symlink_to(shared.sys_dir / kind)
    return dest


def block_script(commands: list[Command]) -> str:
    lines = [
        "set -u",
        "cleanup() { kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; }",
        "trap cleanup EXIT",
    ]
    skip_keys = {canonical(c) for c in SKIP}
    for command in commands:
        if command.key in skip_keys:
            lines.append(f": skipped {command.where}")
            continue
        lines.append(f"echo '>>> {command.where}' >&2")
        lines.append(command.text)
        where = command.where
        lines.append(f'rc=$?; [ "$rc" = 0 ] || {{ echo "{where} exited $rc" >&2; exit 97; }}')
    return "\n".join(lines) + "\n"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def readme_shared() -> Shared:
    return shared_install()  # every plugin of meltano.yml: the README installs them all


@pytest.mark.e2e
def test_the_readme_commands_run_as_written(readme_shared: Shared, tmp_path: Path) -> None:
    if not _port_free(FAKE_PORT):
        pytest.fail(f"port {FAKE_PORT} (the README's fake API) is taken; stop what listens there")
    clone = fresh_clone(tmp_path / "tap-luminous", readme_shared)
    commands = all_commands(clone)
    env = clean_env(PATH=_user_path(), LUMINOUS_TOKEN="readme-test-token")
    timings = []
    blocks = list(dict.fromkeys((c.file, c.block) for c in commands))  # in file order
    for block in blocks:
        mine = [c for c in commands if (c.file, c.block) == block]
        if all(c.key in {canonical(s) for s in SKIP} for c in mine):
            continue
        started = time.monotonic()
        try:
            proc = subprocess.run(
                ["bash", "-c", block_script(mine)],
                cwd=clone,
                env=env,
                capture_output=True,
                text=True,
                timeout=BLOCK_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            err = (
                exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
            )
            pytest.fail(f"block at {mine[0].where} ran over {BLOCK_TIMEOUT}s:\n{err}")
        timings.append(f"{mine[0].where} {time.monotonic() - started:.1f}s")
        assert proc.returncode == 0, (
            f"block at {mine[0].where} failed:\n{proc.stderr[-5000:]}\n{proc.stdout[-2000:]}"
        )

    # What the commands were meant to do.
    singer = (clone / "output" / "fake-tap.singer.jsonl").read_text()
    assert '"type":"RECORD","stream":"sales_orders"' in singer.replace(" ", "")
    assert (clone / "output" / "fake-meltano.singer.jsonl").stat().st_size > 1000
    project = yaml.safe_load((tmp_path / "my-meltano-project" / "meltano.yml").read_text())
    (tap,) = project["plugins"]["extractors"]
    assert tap["pip_url"] == str(clone)
    assert tap["config"]["company_name"] == "yourcompany"
    assert tap["select"] == ["purchase_orders.*"]
    assert "readme-test-token" in (tmp_path / "my-meltano-project" / ".env").read_text()
    git_project = yaml.safe_load((tmp_path / "my-git-project" / "meltano.yml").read_text())
    assert git_project["plugins"]["extractors"][0]["pip_url"] == f"git+file://{clone}"
    assert _port_free(FAKE_PORT), "the README's fake API was left running"
    print("; ".join(timings))
