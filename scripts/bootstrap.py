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


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _run(*args: object) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=REPO, timeout=1800)


def _ensure_venv(path: Path) -> None:
    if not _bin(path, "python").exists():
        print(f"bootstrap: creating {path.name}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)


def _uv() -> Path:
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


def ensure_dev_env() -> Path:
    """The tap's venv with the `dev` dependency group; returns its python."""
    _ensure_venv(VENV)
    stamp = VENV / ".bootstrap-stamp"
    fingerprint = _fingerprint(sys.version)
    if not stamp.exists() or stamp.read_text() != fingerprint:
        print("bootstrap: installing tap-luminous and its dev tools into .venv", flush=True)
        _run(
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            _bin(VENV, "python"),
            "-e",
            ".",
            "--group",
            "dev",
        )
        stamp.write_text(fingerprint)
    return _bin(VENV, "python")


def ensure_meltano() -> Path:
    """meltano in its own venv; returns the meltano executable."""
    _ensure_venv(MELTANO_VENV)
    stamp = MELTANO_VENV / ".bootstrap-stamp"
    fingerprint = _fingerprint(MELTANO_SPEC)
    if not stamp.exists() or stamp.read_text() != fingerprint:
        print("bootstrap: installing meltano into .venv-meltano", flush=True)
        _run(
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            _bin(MELTANO_VENV, "python"),
            MELTANO_SPEC,
        )
        stamp.write_text(fingerprint)
    return _bin(MELTANO_VENV, "meltano")


if __name__ == "__main__":
    ensure_dev_env()
    ensure_meltano()
