"""Run one command and report its wall time and its own peak RSS as one JSON line.

    python -I -S benchmarks/measure_child.py --timeout 600 --stdout /dev/null -- CMD [ARG ...]

Why a separate, tiny process: on Linux a child's ``ru_maxrss`` starts from the high-water mark of
the process that spawned it (the parent's memory map is what exec replaces), so a child spawned
straight from the benchmark -- which holds the fake API and its dataset -- would report the
benchmark's RSS. Spawned from here, the floor under the figure is this launcher's own few MiB
(its VmHWM, reported as ``launcher_maxrss_kib``).

Only the standard library's smallest modules are imported. The command is killed (SIGKILL) after
``--timeout`` seconds; exit status 0 means the command ran to completion (its own exit code is in
the JSON), 3 means it was killed on timeout.
"""

import json
import os
import signal
import sys
import time


def _own_hwm_kib() -> int | None:
    """This process's own RSS high-water mark (ru_maxrss would include the benchmark's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    timeout, stdout_path = 600.0, os.devnull
    while argv and argv[0] != "--":
        flag, value, argv = argv[0], argv[1], argv[2:]
        if flag == "--timeout":
            timeout = float(value)
        elif flag == "--stdout":
            stdout_path = value
        else:
            sys.stderr.write(f"measure_child: unknown option {flag}\n")
            return 2
    cmd = argv[1:]
    if not cmd:
        sys.stderr.write("measure_child: no command after --\n")
        return 2
    launcher_rss = _own_hwm_kib()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    timed_out = []

    start = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions)

    def on_alarm(signum: int, frame: object) -> None:
        timed_out.append(True)
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)  # retried after the alarm handler (PEP 475)
    wall = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    sys.stdout.write(
        json.dumps(
            {
                "wall_s": wall,
                "maxrss_kib": usage.ru_maxrss,
                "utime_s": usage.ru_utime,
                "stime_s": usage.ru_stime,
                "returncode": os.waitstatus_to_exitcode(status),
                "timed_out": bool(timed_out),
                "launcher_maxrss_kib": launcher_rss,
            }
        )
        + "\n"
    )
    return 3 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
