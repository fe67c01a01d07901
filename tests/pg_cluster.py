"""A PostgreSQL server for the end-to-end tests: an existing one named by PG* variables, or a
throwaway cluster started from the Debian binaries.

- PGHOST set: use PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE as they are (CI's service
  container, a developer's server). Nothing is started or stopped.
- PGHOST unset: `initdb` a cluster in a temp dir and start it on a free loopback port
  (127.0.0.1 only, scram-sha-256 password auth on TCP), stop it and delete it at the end.
  `initdb` refuses to run as root, so as root every server command runs as the system user
  `tapluminous-pg` (created with useradd when missing) through runuser (or setpriv), and the
  temp dir belongs to that user.
- Neither PGHOST nor binaries: the tests skip with the reason, unless
  TAP_LUMINOUS_REQUIRE_E2E=1, where they fail instead (CI sets it so a missing install step
  cannot hide behind a skip).

Every command has a timeout. Binaries are looked up in $PG_BINDIR, then
/usr/lib/postgresql/<newest>/bin, then `pg_config --bindir`, then PATH.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

PG_SYSTEM_USER = "tapluminous-pg"
COMMAND_TIMEOUT = 60
START_TIMEOUT = 60
STOP_TIMEOUT = 30


class PostgresUnavailable(RuntimeError):
    """No server named by PG* variables and no binaries to start one."""


@dataclasses.dataclass(frozen=True)
class PgServer:
    """Connection parameters of a running PostgreSQL server."""

    host: str
    port: int
    user: str
    password: str | None
    database: str
    throwaway: bool

    def connect_kwargs(self) -> dict[str, t.Any]:
        kwargs: dict[str, t.Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": self.database,
            "connect_timeout": 10,
        }
        if self.password:
            kwargs["password"] = self.password
        return kwargs

    def connect(self) -> t.Any:
        import psycopg2

        return psycopg2.connect(**self.connect_kwargs())

    def target_postgres_env(self, schema: str) -> dict[str, str]:
        """Settings of the target-postgres loader, as Meltano environment variables."""
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password or "",
            "TARGET_POSTGRES_DATABASE": self.database,
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        }


def server_from_environment() -> PgServer | None:
    """The server named by the standard libpq variables, when PGHOST is set."""
    host = os.environ.get("PGHOST")
    if not host:
        return None
    user = os.environ.get("PGUSER") or pwd.getpwuid(os.getuid()).pw_name
    return PgServer(
        host=host,
        port=int(os.environ.get("PGPORT") or 5432),
        user=user,
        password=os.environ.get("PGPASSWORD") or None,
        database=os.environ.get("PGDATABASE") or user,
        throwaway=False,
    )


def find_bindir() -> Path | None:
    """Directory holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted(
            (p for p in debian.iterdir() if p.name.split(".")[0].isdigit()),
            key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()],
            reverse=True,
        )
        candidates.extend(v / "bin" for v in versions)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            nologin,
            "--user-group",
            name,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    return pwd.getpwnam(name)


def _temp_base(as_root: bool) -> str | None:
    """Where to make the cluster's temp dir: one the unprivileged server user can reach."""
    base = Path(tempfile.gettempdir()).resolve()
    if not as_root:
        return None
    reachable = all(p.stat().st_mode & 0o001 for p in (base, *base.parents))
    if reachable:
        return str(base)
    for fallback in ("/tmp", "/var/tmp"):  # noqa: S108 - a private mkdtemp() dir inside
        if Path(fallback).is_dir():
            return fallback
    return str(base)


class ThrowawayCluster:
    """initdb + pg_ctl start in a temp dir; `stop()` stops it and removes the dir."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = "postgres"
        self.password = secrets.token_hex(12)
        self.port = 0
        self.as_root = os.geteuid() == 0
        self.tmp = Path(tempfile.mkdtemp(prefix="tapluminous-pg-", dir=_temp_base(self.as_root)))
        self.data = self.tmp / "data"
        self.log = self.tmp / "server.log"
        self.as_user: pwd.struct_passwd | None = None
        if self.as_root:
            self.as_user = _ensure_system_user(PG_SYSTEM_USER)
            os.chown(self.tmp, self.as_user.pw_uid, self.as_user.pw_gid)
        self.started = False

    def _wrap(self, argv: list[str]) -> list[str]:
        if self.as_user is None:
            return argv
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        if Path(runuser).exists():
            return [runuser, "-u", self.as_user.pw_name, "--", *argv]
        setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        return [
            setpriv,
            f"--reuid={self.as_user.pw_uid}",
            f"--regid={self.as_user.pw_gid}",
            "--init-groups",
            "--",
            *argv,
        ]

    def _run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
        }
        return subprocess.run(
            self._wrap(argv),
            cwd=self.tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def start(self) -> PgServer:
        pwfile = self.tmp / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.as_user is not None:
            os.chown(pwfile, self.as_user.pw_uid, self.as_user.pw_gid)
        pwfile.chmod(0o600)

        def initdb(locale_flag: str) -> subprocess.CompletedProcess[str]:
            return self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    self.user,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    locale_flag,
                    "--no-sync",
                ],
                timeout=COMMAND_TIMEOUT,
            )

        proc = initdb("--locale=C.UTF-8")
        if proc.returncode != 0 and "locale" in (proc.stderr + proc.stdout).lower():
            shutil.rmtree(self.data, ignore_errors=True)
            proc = initdb("--no-locale")
        self._check(proc, "initdb")
        pwfile.unlink()
        # A free port can be taken between the probe and the bind: try a few.
        last: subprocess.CompletedProcess[str] | None = None
        for _ in range(5):
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} "
                f"-c unix_socket_directories={self.tmp} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
                "-c timezone=UTC"
            )
            last = self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    str(START_TIMEOUT),
                    "-o",
                    options,
                    "start",
                ],
                timeout=START_TIMEOUT + 15,
            )
            if last.returncode == 0:
                self.started = True
                break
            self._force_stop()
        assert last is not None
        self._check(last, "pg_ctl start")
        return PgServer(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            database="postgres",
            throwaway=True,
        )

    def _postmaster_pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(pidfile.read_text().splitlines()[0])
        return None

    def _force_stop(self) -> None:
        pid = self._postmaster_pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        try:
            if self.started and self.data.exists():
                try:
                    proc = self._run(
                        [
                            str(self.bindir / "pg_ctl"),
                            "-D",
                            str(self.data),
                            "-m",
                            "fast",
                            "-w",
                            "-t",
                            str(STOP_TIMEOUT),
                            "stop",
                        ],
                        timeout=STOP_TIMEOUT + 15,
                    )
                    if proc.returncode != 0:
                        self._force_stop()
                except subprocess.TimeoutExpired:
                    self._force_stop()
        finally:
            self.started = False
            shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> t.Iterator[PgServer]:
    """Yield a server: the PG*-named one, or a throwaway cluster stopped on exit."""
    existing = server_from_environment()
    if existing is not None:
        yield existing
        return
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PGHOST is not set and no PostgreSQL server binaries (initdb, pg_ctl, postgres) "
            "were found in $PG_BINDIR, /usr/lib/postgresql/*/bin, pg_config --bindir or PATH; "
            "install Debian's `postgresql` package or point PG* variables at a server"
        )
    cluster = ThrowawayCluster(bindir)
    try:
        server = cluster.start()
        yield server
    finally:
        cluster.stop()
