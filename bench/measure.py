"""What the benchmarks measure the same way."""

from __future__ import annotations

import resource


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
