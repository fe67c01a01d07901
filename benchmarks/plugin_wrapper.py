"""A plugin `executable` for benchmarks/meltano_run.py: runs the real one, records what it cost.

    python -I -S benchmarks/plugin_wrapper.py RECORD_FILE ROLE -- REAL_EXECUTABLE [ARG ...]

Meltano starts this in place of tap-luminous or target-postgres (the throwaway project's
`executable` is a shell script that execs it). It spawns the real executable with this process's
stdin, stdout, stderr and environment, forwards SIGTERM/SIGINT to it, waits for it with
`os.wait4` and appends one JSON line to RECORD_FILE: role, what kind of invocation it was
(`sync`, `discover`, `about`), wall time, user/system CPU and peak RSS of the real process. Its
exit status is passed on. Peak RSS is the child's `ru_maxrss`, whose floor is this launcher's
own few MiB (it imports only small stdlib modules), never Meltano's.
"""

import contextlib
import json
import os
import resource
import signal
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("plugin_wrapper: usage: RECORD_FILE ROLE -- EXECUTABLE [ARG ...]\n")
        return 2
    record, role, cmd = argv[0], argv[1], argv[3:]
    args = set(cmd[1:])
    kind = "discover" if "--discover" in args else "about" if "--about" in args else "sync"
    start = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _, status, usage = os.wait4(pid, 0)  # retried after a forwarded signal (PEP 475)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    own = resource.getrusage(resource.RUSAGE_SELF)
    line = {
        "role": role,
        "kind": kind,
        "wall_s": wall,
        "utime_s": usage.ru_utime,
        "stime_s": usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
        "returncode": code,
        "wrapper_cpu_s": own.ru_utime + own.ru_stime,
    }
    with open(record, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
