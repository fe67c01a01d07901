"""Run the tap (in-process or as the real CLI) and read its Singer output back, Decimal-exact."""

from __future__ import annotations

import contextlib
import decimal
import io
import json
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from tap_luminous.output import BufferedSingerWriter
from tap_luminous.tap import TapLuminous

REPO = Path(__file__).resolve().parent.parent


@dataclass
class SingerOutput:
    messages: list[dict[str, t.Any]]
    stderr: str = ""
    stdout: str = ""
    returncode: int = 0
    records: dict[str, list[dict[str, t.Any]]] = field(default_factory=dict)
    schemas: dict[str, dict[str, t.Any]] = field(default_factory=dict)
    states: list[dict[str, t.Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, stdout: str, stderr: str = "", returncode: int = 0) -> SingerOutput:
        messages = []
        for number, line in enumerate(stdout.splitlines()):
            try:
                messages.append(json.loads(line, parse_float=decimal.Decimal))
            except json.JSONDecodeError:
                if number == 0:  # not Singer output at all (--discover, --about)
                    break
                raise  # a broken Singer line is a failure, not "no output"
        out = cls(messages=messages, stderr=stderr, returncode=returncode, stdout=stdout)
        for message in messages:
            if message["type"] == "RECORD":
                out.records.setdefault(message["stream"], []).append(message["record"])
            elif message["type"] == "SCHEMA":
                out.schemas[message["stream"]] = message
            elif message["type"] == "STATE":
                out.states.append(message["value"])
        return out

    @property
    def final_state(self) -> dict[str, t.Any]:
        return self.states[-1] if self.states else {}

    def ids(self, stream: str, key: str) -> list[t.Any]:
        return [record[key] for record in self.records.get(stream, [])]


def catalog_selecting(config: dict[str, t.Any], streams: t.Iterable[str]) -> dict[str, t.Any]:
    """A catalog (from discovery) with only `streams` selected."""
    wanted = set(streams)
    catalog = TapLuminous(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def run_tap(
    config: dict[str, t.Any],
    *,
    streams: t.Iterable[str] | None = None,
    state: dict[str, t.Any] | None = None,
    catalog: dict[str, t.Any] | None = None,
) -> SingerOutput:
    """Sync in-process and return the parsed output."""
    if streams is not None and catalog is None:
        catalog = catalog_selecting(config, streams)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            tap = TapLuminous(config=config, state=state, catalog=catalog)
            tap.sync_all()
        finally:
            BufferedSingerWriter.flush_all()  # as the CLI does on exit
    return SingerOutput.parse(buffer.getvalue())


def run_cli(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    tmp_path: Path | None = None,
    config: dict[str, t.Any] | None = None,
    state: dict[str, t.Any] | None = None,
    catalog: dict[str, t.Any] | None = None,
) -> SingerOutput:
    """Run the installed console script as a user would, bounded in time."""
    argv = [sys.executable, "-c", "from tap_luminous.cli import main; main()", *args]
    files = {"--config": config, "--state": state, "--catalog": catalog}
    for flag, content in files.items():
        if content is not None:
            assert tmp_path is not None
            path = tmp_path / f"{flag.strip('-')}.json"
            path.write_text(json.dumps(content))
            argv += [flag, str(path)]
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO, check=False
    )
    return SingerOutput.parse(proc.stdout, proc.stderr, proc.returncode)
