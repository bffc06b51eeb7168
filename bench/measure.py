"""What the benchmarks measure the same way."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass


def own_peak_mib() -> float:
    """This process's peak RSS in MiB. Linux carries ru_maxrss across exec, so a worker started by a
    parent that held a generated day would report that parent's size; VmHWM is the peak of the
    worker's own address space."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measured:
    """A whole process run to its end: wall time, peak memory, output."""

    seconds: float
    cpu_seconds: float  # user and system time of the process and of the processes it waited for
    peak_rss_mib: float  # the largest of: any one process's own peak, the sampled sum over the tree
    returncode: int
    stdout: str
    stderr: str


def _tree_rss_kib(root: int) -> int:
    """The resident memory of ``root`` and every process below it, now (KiB); 0 once it is gone."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total


def run_measured(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> Measured:
    """Run ``argv`` to its end. Its peak memory is the largest of what the kernel kept for its
    processes (``wait4``'s ``ru_maxrss``: the largest one process reached, each counted alone) and of the
    sum over the process and its children, sampled every 20 ms (processes side by side add up). Run it
    from a small parent: a process inherits, across exec, the ``ru_maxrss`` of the one that started it."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err) as process,
    ):
        sampled = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            sampled = max(sampled, _tree_rss_kib(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = max(usage.ru_maxrss, sampled) / 1024
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(seconds, cpu, peak, process.returncode, out.read().decode(), err.read().decode())
