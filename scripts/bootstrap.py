"""Create the project's virtual environments with nothing but Python 3 (stdlib only).

- `.venv`: the tap, its test and dev tools (uv installs them; uv itself comes from PyPI via pip).
- `.venv-meltano`: meltano, kept apart so its dependencies never constrain the tap's.
Re-running is cheap: installs are skipped when pyproject.toml has not changed.
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
MELTANO_SPEC = "meltano~=4.4"
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


def _fingerprint(*extra: str) -> str:
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes())
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()


def _install(env: Path, label: str, fingerprint: str, *requirements: str) -> None:
    """Install `requirements` into `env` unless the same set was installed before."""
    _ensure_venv(env)
    stamp = env / ".bootstrap-stamp"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    print(f"bootstrap: installing {label} into {env.name}", flush=True)
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
        *requirements,
    )
    stamp.write_text(fingerprint)


def ensure_dev_env() -> Path:
    """The tap's venv with the `dev` dependency group; returns its python."""
    _ensure_venv(VENV)
    _install(
        VENV,
        "tap-luminous and its dev tools",
        _fingerprint(sys.version),
        "-e",
        ".",
        "--group",
        "dev",
    )
    return _bin(VENV, "python")


def ensure_meltano() -> Path:
    """meltano in its own venv; returns the meltano executable."""
    _install(MELTANO_VENV, "meltano", _fingerprint(MELTANO_SPEC), MELTANO_SPEC)
    return _bin(MELTANO_VENV, "meltano")


def ensure_consumers() -> dict[str, Path]:
    """Each of CONSUMERS in its own venv under .venv/consumers/; returns name -> executable."""
    exes = {}
    for name, spec in CONSUMERS.items():
        env = VENV / "consumers" / name
        _install(env, spec, _fingerprint(spec), spec)
        exes[name] = _bin(env, name)
    return exes


if __name__ == "__main__":
    ensure_dev_env()
    ensure_meltano()
    ensure_consumers()
