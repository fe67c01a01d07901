"""Create the project's virtual environments with nothing but Python 3 (stdlib only).

- `.venv`: the tap's dependencies and its test and dev tools at the versions uv.lock pins
  (`uv export --locked --group dev`, then `uv pip install -r`), and the tap itself, editable,
  with `--no-deps`. uv itself comes from PyPI via pip.
- `.venv-meltano`: meltano (MELTANO_SPEC, the project's only meltano pin), kept apart so its
  dependencies never constrain the tap's.
Re-running is cheap: an install is skipped when what it depends on has not changed (for `.venv`:
pyproject.toml, uv.lock and this Python).

Refresh the lock after changing [project].dependencies or [dependency-groups]:
`.venv/bin/uv lock` (newest allowed versions: `.venv/bin/uv lock --upgrade`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"
MELTANO_VENV = REPO / ".venv-meltano"
LOCK = REPO / "uv.lock"
#: The one meltano pin: scripts/demo.py and the tests use this constant (tests/test_tooling.py).
MELTANO_SPEC = "meltano~=4.4.1"
#: Validating Singer consumers nobody in this project wrote (tests/test_foreign_consumers.py):
#: executable -> requirement, each in its own venv under .venv/consumers/.
CONSUMERS = {
    "target-postgres": "pipelinewise-target-postgres==2.1.2",
    "target-jsonl": "target-jsonl==0.1.4",
    "singer-check-tap": "singer-tools==0.4.1",
}


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _run(*args: object) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=REPO, timeout=1800)


def _ensure_venv(path: Path) -> None:
    if not _bin(path, "python").exists():
        print(f"bootstrap: creating {path.name}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)


def _uv() -> Path:
    _ensure_venv(VENV)
    uv = _bin(VENV, "uv")
    if not uv.exists():
        _run(
            _bin(VENV, "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "uv",
        )
    return uv


def _fingerprint(*extra: str, files: tuple[Path, ...] = ()) -> str:
    """A digest of pyproject.toml, `files` (their content) and `extra`."""
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes())
    for path in files:
        content = path.read_bytes() if path.exists() else b"(missing)"
        digest.update(b"\0" + path.name.encode() + b"\0" + content)
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()


def _stamp(env: Path) -> Path:
    return env / ".bootstrap-stamp"


def _installed(env: Path, fingerprint: str) -> bool:
    stamp = _stamp(env)
    return stamp.exists() and stamp.read_text() == fingerprint


def _pip_install(env: Path, *args: object) -> None:
    # --compile-bytecode: every CLI start imports singer-sdk; without .pyc files (or where
    # PYTHONDONTWRITEBYTECODE is set) that costs about a second more each time.
    _run(
        _uv(),
        "pip",
        "install",
        "--quiet",
        "--compile-bytecode",
        "--python",
        _bin(env, "python"),
        *args,
    )


def _install(
    env: Path, label: str, fingerprint: str, *requirements: str, force: bool = False
) -> None:
    """Install `requirements` into `env` unless the same set was installed before."""
    _ensure_venv(env)
    if not force and _installed(env, fingerprint):
        return
    print(f"bootstrap: installing {label} into {env.name}", flush=True)
    _pip_install(env, *requirements)
    _stamp(env).write_text(fingerprint)


def ensure_dev_env(*, force: bool = False) -> Path:
    """The tap's venv: the locked `dev` group, then the tap (editable, no deps); its python."""
    _ensure_venv(VENV)
    python = _bin(VENV, "python")
    fingerprint = _fingerprint(sys.version, files=(LOCK,))
    if not force and _installed(VENV, fingerprint):
        return python
    print("bootstrap: installing tap-luminous and its dev tools (uv.lock) into .venv", flush=True)
    pinned = VENV / ".bootstrap-dev-requirements.txt"
    # --locked: a uv.lock that no longer matches pyproject.toml stops here with uv's one-line
    # error naming `uv lock`, instead of installing stale pins.
    _run(
        _uv(),
        "export",
        "--locked",
        "--quiet",
        "--group",
        "dev",
        "--no-emit-project",
        "--no-header",
        "--output-file",
        pinned,
    )
    _pip_install(VENV, "--requirement", pinned)
    _pip_install(VENV, "--no-deps", "--editable", ".")
    _stamp(VENV).write_text(fingerprint)
    return python


def ensure_meltano(*, force: bool = False) -> Path:
    """meltano (MELTANO_SPEC) in its own venv; returns the meltano executable."""
    _install(MELTANO_VENV, "meltano", _fingerprint(MELTANO_SPEC), MELTANO_SPEC, force=force)
    return _bin(MELTANO_VENV, "meltano")


def ensure_consumers() -> dict[str, Path]:
    """Each of CONSUMERS in its own venv under .venv/consumers/; returns name -> executable."""
    exes = {}
    for name, spec in CONSUMERS.items():
        env = VENV / "consumers" / name
        _install(env, spec, _fingerprint(spec), spec)
        exes[name] = _bin(env, name)
    return exes


def main() -> int:
    try:
        ensure_dev_env()
        ensure_meltano()
        ensure_consumers()
    except subprocess.CalledProcessError as exc:  # the command printed why
        print(f"bootstrap: {Path(exc.cmd[0]).name} {exc.cmd[1]} failed ({exc.returncode})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
