"""Process memory figures from /proc, and an address-space limit for child processes."""

from __future__ import annotations

from typing import Callable


def proc_kb(pid, key: str, name: str = "status") -> int:
    """A "Key:   123 kB" figure from /proc/<pid>/status or smaps_rollup, in kB."""
    with open(f"/proc/{pid}/{name}") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/{name}")


def pss_kb(pid) -> int:
    """Proportional set size: shared pages divided among the processes that map them."""
    return proc_kb(pid, "Pss", "smaps_rollup")


def rss_kb(pid="self") -> int:
    """Resident set size (VmRSS)."""
    return proc_kb(pid, "VmRSS")


def vm_size_kb(pid="self") -> int:
    """Address space in use (VmSize), what RLIMIT_AS limits."""
    return proc_kb(pid, "VmSize")


def limit_address_space(nbytes: int) -> Callable[[], None]:
    """A subprocess ``preexec_fn`` that sets RLIMIT_AS (soft and hard) to ``nbytes``."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))

    return apply
