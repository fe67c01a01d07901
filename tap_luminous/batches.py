"""Opt-in Singer BATCH output: records go to local JSONL files, stdout carries BATCH messages.

A target that loads in bulk (MeltanoLabs target-postgres and other singer-sdk targets) then
reads each file in one go instead of one RECORD message at a time, and Meltano no longer
relays every record line. What stays true in this mode (docs/targets.md, "BATCH messages"):

- A STATE never points past a record whose file is not complete and announced: before any
  other message (STATE, SCHEMA, ACTIVATE_VERSION) every open file is closed, renamed from its
  `.part` name and announced with a BATCH message, so the target has every earlier record by
  the time it reads the STATE. A stream's last file is announced when the stream ends.
- Memory and disk stay bounded: a file holds at most `batch_size` records; records are
  compressed as they come. Nobody else deletes the files, so each run deletes the files of
  this tenant's earlier runs in the same directory before it writes its own: the directory
  holds at most one run's files per tenant.
- Rows loaded from files carry no table version, so BATCH is refused whenever a run would
  write ACTIVATE_VERSION (tap.py, `check_batch_compatible`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
import typing as t
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tap_luminous.errors import SettingError

SETTING = "batch_config"
DEFAULT_BATCH_SIZE = 10_000
MAX_BATCH_SIZE = 1_000_000
COMPRESSIONS = ("gzip", "none")
_PREFIX = re.compile(r"[A-Za-z0-9._-]*")
_WRITE_AT = 1 << 20  # compress in 1 MiB chunks, not per record


class BatchSettings(t.NamedTuple):
    directory: Path
    prefix: str
    compression: str
    batch_size: int


def _fail(problem: str) -> t.NoReturn:
    raise SettingError(SETTING, problem)


def _directory(root: t.Any) -> Path:
    if not isinstance(root, str) or not root:
        _fail("storage.root must be a local directory, e.g. 'file:///var/lib/luminous/batches'")
    parts = urlsplit(root)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            _fail(f"storage.root {root!r} names a remote host; only local directories work")
        path = Path(unquote(parts.path))
    elif parts.scheme and len(parts.scheme) > 1:  # not a Windows drive letter
        _fail(f"storage.root {root!r}: only local directories (file://) are supported")
    else:
        path = Path(root)
    path = path.expanduser()
    if not path.is_absolute():
        # Meltano runs plugins in the caller's directory but names its project's.
        path = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path.cwd()) / path
    return path.resolve()


def parse_batch_config(raw: t.Any) -> BatchSettings | None:
    """The checked `batch_config` (the singer-sdk setting's shape), or None when it is off."""
    if not raw:
        return None
    if not isinstance(raw, dict):
        _fail("must be an object with 'encoding' and 'storage' (docs/targets.md, 'BATCH messages')")
    unknown = sorted(set(raw) - {"encoding", "storage", "batch_size"})
    if unknown:
        _fail(f"unknown key '{unknown[0]}'; expected encoding, storage and batch_size")
    encoding = raw.get("encoding")
    storage = raw.get("storage")
    if not isinstance(encoding, dict) or not isinstance(storage, dict):
        _fail("needs both 'encoding' and 'storage' objects")
    if encoding.get("format") != "jsonl":
        _fail(f"encoding.format must be 'jsonl', got {encoding.get('format')!r}")
    compression = encoding.get("compression") or "none"
    if compression not in COMPRESSIONS:
        _fail(f"encoding.compression must be 'gzip' or 'none', got {compression!r}")
    prefix = storage.get("prefix") or ""
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        _fail("storage.prefix may hold only letters, digits, '.', '_' and '-'")
    size = raw.get("batch_size", DEFAULT_BATCH_SIZE)
    if size is None:
        size = DEFAULT_BATCH_SIZE
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH_SIZE:
        _fail(f"batch_size must be an integer from 1 to {MAX_BATCH_SIZE:,}, got {size!r}")
    return BatchSettings(_directory(storage.get("root")), prefix, compression, size)


def tenant_tag(api_marker: str) -> str:
    """A short, stable file-name tag for one API (so tenants sharing a directory stay apart)."""
    return hashlib.sha256(api_marker.encode()).hexdigest()[:12]


class _OpenFile:
    __slots__ = ("chunk", "file", "part", "path", "raw", "rows")

    def __init__(self, path: Path, compression: str) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")  # renamed once complete
        self.raw = open(self.part, "wb")  # noqa: SIM115 (closed in close())
        self.file: t.BinaryIO = (
            t.cast("t.BinaryIO", gzip.GzipFile(fileobj=self.raw, mode="wb", compresslevel=1))
            if compression == "gzip"
            else self.raw
        )
        self.chunk = bytearray()
        self.rows = 0

    def close(self) -> Path:
        self.file.write(self.chunk)
        self.file.close()
        self.raw.close()
        os.replace(self.part, self.path)
        return self.path


class BatchFiles:
    """Per-stream JSONL files of at most `batch_size` records; `close` gives BATCH messages."""

    def __init__(self, settings: BatchSettings, tenant: str, logger: t.Any) -> None:
        self.settings = settings
        self.logger = logger
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self._family = f"{settings.prefix}tap-luminous-{tenant}-"
        self._run = f"{self._family}{stamp}-{os.getpid()}"
        self._suffix = ".jsonl.gz" if settings.compression == "gzip" else ".jsonl"
        self._open: dict[str, _OpenFile] = {}
        self._count = 0
        self._rows_since_state = 0
        self._streams_since_state: set[str] = set()
        try:
            settings.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _fail(f"cannot create storage.root directory '{settings.directory}': {exc.strerror}")
        self._delete_earlier_runs()

    def _delete_earlier_runs(self) -> None:
        removed = size = 0
        for path in self.settings.directory.iterdir():
            name = path.name
            if name.startswith(self._family) and not name.startswith(self._run) and path.is_file():
                size += path.stat().st_size
                path.unlink()
                removed += 1
        if removed:
            self.logger.info(
                "BATCH: deleted %d file(s), %.1f MiB, of this tenant's earlier runs from %s",
                removed,
                size / 1048576,
                self.settings.directory,
            )

    def add(self, stream: str, line: bytes) -> dict[str, t.Any] | None:
        """Append one encoded record (with its newline); a BATCH message when its file is full."""
        handle = self._open.get(stream)
        if handle is None:
            self._count += 1
            name = f"{self._run}-{stream}-{self._count:06d}{self._suffix}"
            handle = self._open[stream] = _OpenFile(
                self.settings.directory / name, self.settings.compression
            )
        handle.chunk += line
        handle.rows += 1
        self._rows_since_state += 1
        self._streams_since_state.add(stream)
        if len(handle.chunk) >= _WRITE_AT:
            handle.file.write(handle.chunk)
            handle.chunk.clear()
        if handle.rows >= self.settings.batch_size:
            return self._close(stream)
        return None

    def _close(self, stream: str) -> dict[str, t.Any]:
        path = self._open.pop(stream).close()
        return {
            "type": "BATCH",
            "stream": stream,
            "encoding": {"format": "jsonl", "compression": self.settings.compression},
            "manifest": [path.as_uri()],
        }

    def close_all(self) -> list[dict[str, t.Any]]:
        """Close every open file: the BATCH messages to write before anything else."""
        self._rows_since_state = 0
        self._streams_since_state.clear()
        return [self._close(stream) for stream in list(self._open)]

    def state_due(self) -> bool:
        """Whether a resume point is worth a STATE (which closes every file) yet.

        Each STATE cuts every open file short, and each file is one load transaction in the
        target; so mid-stream STATEs wait until about `batch_size` rows per stream have come.
        """
        streams = max(1, len(self._streams_since_state))
        return self._rows_since_state >= self.settings.batch_size * streams
