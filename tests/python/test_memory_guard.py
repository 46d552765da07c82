"""The memory guard: what the process may still use (MemAvailable, cgroup v1/v2, rlimits), and
a clear MemoryError from load_model(mmap=False) instead of a kill."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sentvec
from sentvec import _core
from serve_models import write_bin

GiB = 1 << 30
MiB = 1 << 20
HERE = Path(__file__).resolve().parent


def fake_proc(root: Path, mem_available_kb=None, cgroup_lines=(), limits=None, status=None,
              mountinfo=None) -> Path:
    proc = root / "proc"
    (proc / "self").mkdir(parents=True)
    meminfo = "MemTotal:       32000000 kB\nMemFree:         1000000 kB\n"
    if mem_available_kb is not None:
        meminfo += f"MemAvailable:   {mem_available_kb} kB\n"
    meminfo += "Buffers:          100000 kB\n"
    (proc / "meminfo").write_text(meminfo)
    (proc / "self" / "cgroup").write_text("".join(line + "\n" for line in cgroup_lines))
    if limits is not None:
        (proc / "self" / "limits").write_text(limits)
    if status is not None:
        (proc / "self" / "status").write_text(status)
    if mountinfo is not None:
        (proc / "self" / "mountinfo").write_text(mountinfo)
    return proc


def put(root: Path, rel: str, **files) -> None:
    d = root / rel.strip("/")
    d.mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (d / name.replace("__", ".")).write_text(str(value) + "\n")


LIMITS = """Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max data size             {data}            unlimited            bytes
Max stack size            8388608              unlimited            bytes
Max address space         {asl}            unlimited            bytes
"""


# ------------------------------------------------------------------------------ fake trees
def test_no_limit(tmp_path):
    proc = fake_proc(tmp_path, 8 * 1024 * 1024, ["0::/"])
    cg = tmp_path / "cg"
    put(cg, "/", memory__max="max", memory__current=123456)
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["mem_available"] == 8 * GiB
    assert b["cgroup_room"] == -1 and b["rlimit_room"] == -1
    assert b["room"] == 8 * GiB
    assert b["description"] == "MemAvailable 8.0 GiB"


def test_nothing_known(tmp_path):
    proc = fake_proc(tmp_path, None, [])
    b = _core._testing.memory_budget(str(proc), str(tmp_path / "none"))
    assert b["room"] == -1  # unknown: the guard lets the load go ahead


def test_cgroup_v2_limit(tmp_path):
    proc = fake_proc(tmp_path, 16 * 1024 * 1024, ["0::/user.slice/app.service"])
    cg = tmp_path / "cg"
    put(cg, "/user.slice/app.service", memory__max=2 * GiB, memory__current=GiB // 2)
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["cgroup_room"] == GiB + GiB // 2
    assert b["cgroup_limit"] == 2 * GiB
    assert b["cgroup_source"].endswith("user.slice/app.service/memory.max")
    assert b["room"] == GiB + GiB // 2


def test_cgroup_v2_max_and_nested(tmp_path):
    # The process's own cgroup says "max"; a parent two levels up holds the real limit, and a
    # looser limit in between does not win.
    proc = fake_proc(tmp_path, 16 * 1024 * 1024, ["0::/a/b/c"])
    cg = tmp_path / "cg"
    put(cg, "/a/b/c", memory__max="max", memory__current=100 * MiB)
    put(cg, "/a/b", memory__max=8 * GiB, memory__current=200 * MiB)
    put(cg, "/a", memory__max=GiB, memory__current=300 * MiB)
    put(cg, "/", memory__current=5 * GiB)  # the root has no memory.max
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["cgroup_room"] == GiB - 300 * MiB
    assert b["cgroup_source"] == str(cg / "a" / "memory.max")


def test_cgroup_v2_reclaimable_page_cache(tmp_path):
    proc = fake_proc(tmp_path, 16 * 1024 * 1024, ["0::/job"])
    cg = tmp_path / "cg"
    put(cg, "/job", memory__max=GiB, memory__current=900 * MiB)
    (cg / "job" / "memory.stat").write_text(
        f"anon {100 * MiB}\nfile {800 * MiB}\nactive_file {200 * MiB}\ninactive_file {600 * MiB}\n")
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["cgroup_room"] == GiB - 300 * MiB  # inactive file pages do not count as used


def test_cgroup_v1_limit_nested_and_unlimited(tmp_path):
    proc = fake_proc(tmp_path, 16 * 1024 * 1024,
                     ["12:cpu,cpuacct:/docker/abc", "4:memory:/docker/abc", "1:name=systemd:/x"])
    cg = tmp_path / "cg"
    put(cg, "/memory/docker/abc", memory__limit_in_bytes=9223372036854771712,
        memory__usage_in_bytes=50 * MiB)
    put(cg, "/memory/docker", memory__limit_in_bytes=3 * GiB, memory__usage_in_bytes=GiB)
    (cg / "memory" / "docker" / "memory.stat").write_text(
        f"cache 0\ninactive_file {10 * MiB}\ntotal_inactive_file {512 * MiB}\n")
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["cgroup_room"] == 3 * GiB - (GiB - 512 * MiB)
    assert b["cgroup_source"].endswith("memory/docker/memory.limit_in_bytes")
    assert b["room"] == b["cgroup_room"]


def test_cgroup_v1_container_sees_its_own_subtree(tmp_path):
    # Without a cgroup namespace /proc/self/cgroup names the host's path, while the
    # container's mount shows only its own cgroup at the root (mountinfo root field).
    mountinfo = ("35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
                 "rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
    proc = fake_proc(tmp_path, 16 * 1024 * 1024, ["4:memory:/docker/abc/worker"],
                     mountinfo=mountinfo)
    cg = tmp_path / "cg"
    put(cg, "/memory/worker", memory__limit_in_bytes=GiB, memory__usage_in_bytes=100 * MiB)
    put(cg, "/memory", memory__limit_in_bytes=4 * GiB, memory__usage_in_bytes=100 * MiB)
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["cgroup_room"] == GiB - 100 * MiB
    assert b["cgroup_source"] == str(cg / "memory" / "worker" / "memory.limit_in_bytes")


def test_memavailable_smaller_than_cgroup(tmp_path):
    proc = fake_proc(tmp_path, 512 * 1024, ["0::/"])
    cg = tmp_path / "cg"
    put(cg, "/", memory__max=4 * GiB, memory__current=0)
    b = _core._testing.memory_budget(str(proc), str(cg))
    assert b["room"] == 512 * MiB


def test_rlimits(tmp_path):
    limits = LIMITS.format(data="unlimited", asl=2 * GiB)
    status = "Name:\tpython3\nVmPeak:\t  900000 kB\nVmSize:\t  524288 kB\nVmData:\t  100000 kB\n"
    proc = fake_proc(tmp_path, 16 * 1024 * 1024, [], limits=limits, status=status)
    b = _core._testing.memory_budget(str(proc), str(tmp_path / "none"))
    assert b["rlimit_source"] == "RLIMIT_AS"
    assert b["rlimit_limit"] == 2 * GiB
    assert b["rlimit_room"] == 2 * GiB - 512 * MiB
    assert b["room"] == b["rlimit_room"]
    # RLIMIT_DATA, when tighter, wins.
    limits = LIMITS.format(data=GiB, asl="unlimited")
    proc = fake_proc(tmp_path / "2", 16 * 1024 * 1024, [], limits=limits, status=status)
    b = _core._testing.memory_budget(str(proc), str(tmp_path / "none"))
    assert b["rlimit_source"] == "RLIMIT_DATA"
    assert b["rlimit_room"] == GiB - 100000 * 1024


def test_human_bytes():
    assert _core._testing.human_bytes(512) == "512 B"
    assert _core._testing.human_bytes(1536) == "1.5 KiB"
    assert _core._testing.human_bytes(3 * GiB) == "3.0 GiB"


# ------------------------------------------------------------------------------ the guard
@pytest.fixture()
def small_budget(tmp_path, monkeypatch):
    """Point the guard at a fake tree with 1 MiB available."""
    proc = fake_proc(tmp_path / "fake", 1024, ["0::/svc"])
    cg = tmp_path / "fake" / "cg"
    put(cg, "/svc", memory__max=64 * MiB, memory__current=63 * MiB)
    monkeypatch.setenv("SENTVEC_PROC_ROOT", str(proc))
    monkeypatch.setenv("SENTVEC_CGROUP_ROOT", str(cg))


def test_check_memory_message(small_budget):
    with pytest.raises(MemoryError) as e:
        _core._testing.check_memory(3 * GiB, "loading big.bin")
    msg = str(e.value)
    assert "loading big.bin needs 3.0 GiB" in msg
    assert "only 1.0 MiB is available" in msg
    assert "MemAvailable 1.0 MiB" in msg and "cgroup room 1.0 MiB of a 64.0 MiB limit" in msg
    assert "mmap=True" in msg
    _core._testing.check_memory(512 * 1024, "loading small.bin")  # fits


def test_load_model_refuses_with_clear_error(tmp_path, small_budget):
    p = write_bin(tmp_path / "m.bin", nwords=50, bucket=20_000, dim=32)  # 2.5 MiB of floats
    with pytest.raises(MemoryError) as e:
        sentvec.load_model(p, mmap=False)
    msg = str(e.value)
    assert str(p) in msg and "mmap=True" in msg
    assert re.search(r"needs \d+\.\d MiB of memory but only 1\.0 MiB is available", msg), msg
    # Mapping needs no copy: the same file loads and answers.
    m = sentvec.load_model(p, mmap=True)
    assert m.get_word_vector("w3").shape == (32,)


# ------------------------------------------------------------------------------ real limits
CHILD = textwrap.dedent(
    """
    import os, resource, sys
    import sentvec
    path, margin = sys.argv[1], int(sys.argv[2])
    limit = len(sys.argv) < 4 or sys.argv[3] != "nolimit"
    def vm():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    size = os.path.getsize(path)
    if limit:
        # Room for the interpreter, one copy of the file and `margin` bytes more (negative:
        # less than one copy).
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm() + size + margin, hard))
    try:
        sentvec.load_model(path, mmap=False)
        print("LOADED")
    except MemoryError as e:
        print("MEMORYERROR", e)
    try:
        m = sentvec.load_model(path, mmap=True)
        v = m.get_word_vector("w1")
        print("MAPPED", float(abs(v).sum()) > 0)
    except MemoryError as e:
        print("MAPERROR", e)
    """
)


def run_child(args, preexec_fn=None, timeout=120):
    env = dict(os.environ)
    env.pop("SENTVEC_PROC_ROOT", None)
    env.pop("SENTVEC_CGROUP_ROOT", None)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + sys.path)
    return subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, preexec_fn=preexec_fn, check=False)


def test_address_space_limit_copying_load_needs_one_copy(tmp_path):
    # 256 MiB of (sparse) floats; RLIMIT_AS leaves 64 MiB beyond one copy of the file. The
    # copying load reads the layout from a mapping that it drops before reading the matrices
    # into memory (issue 11 item 8): it fits, where mapping then copying needed twice the file.
    p = write_bin(tmp_path / "big.bin", nwords=100, bucket=1 << 20, dim=64, fill="sparse")
    r = run_child([p, 64 * MiB])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "LOADED" in r.stdout and "MAPPED True" in r.stdout, r.stdout


def test_address_space_limit_gives_memory_error(tmp_path):
    # Less than one copy of the file: a clear MemoryError naming the file, its size and the
    # RLIMIT_AS room. MemAvailable does not see an rlimit: the guard reads /proc/self/limits.
    p = write_bin(tmp_path / "big.bin", nwords=100, bucket=1 << 20, dim=64, fill="sparse")
    r = run_child([p, -128 * MiB])
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout
    assert "MEMORYERROR" in out, out
    line = next(x for x in out.splitlines() if x.startswith("MEMORYERROR"))
    assert str(p) in line and re.search(r"256\.\d MiB", line), line
    assert "RLIMIT_AS room" in line
    assert "MAPERROR" in out  # a mapping does not fit either


def _own_memory_cgroup_v1():
    if not os.path.isdir("/sys/fs/cgroup/memory"):
        return None
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if "memory" in ctrls.split(","):
                d = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
                return d if d.is_dir() else None
    return None


def test_real_cgroup_limit_gives_memory_error(tmp_path):
    parent = _own_memory_cgroup_v1()
    if parent is None:
        pytest.skip("no cgroup v1 memory hierarchy for this process (cgroup v2 needs a delegated "
                    "subtree with the memory controller enabled)")
    child = parent / f"sentvec-test-{os.getpid()}"
    try:
        child.mkdir()
        (child / "memory.limit_in_bytes").write_text(str(192 * MiB))
    except OSError as e:
        pytest.skip(f"cannot create a memory cgroup here: {e}")
    p = write_bin(tmp_path / "big.bin", nwords=100, bucket=1 << 20, dim=64, fill="sparse")
    procs = str(child / "cgroup.procs")

    def enter():
        with open(procs, "w") as f:
            f.write(str(os.getpid()))

    try:
        r = run_child([p, 0, "nolimit"], preexec_fn=enter)
    finally:
        try:
            child.rmdir()
        except OSError:
            pass
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])  # -9 would be the OOM killer
    line = next(x for x in r.stdout.splitlines() if x.startswith("MEMORYERROR"))
    assert re.search(r"needs 256\.\d MiB", line) and "cgroup room" in line and "of a 192.0 MiB limit" in line
    assert "mmap=True" in line
    assert "MAPPED True" in r.stdout


def test_mapped_load_still_checks_the_dictionary(tmp_path, small_budget):
    # 20,000 words with char n-grams: a few MiB of dictionary, which must be in memory even when
    # the matrices are mapped (and mmap=True is then no help: no such hint).
    p = write_bin(tmp_path / "m.bin", nwords=20_000, bucket=1000, dim=4)
    with pytest.raises(MemoryError) as e:
        sentvec.load_model(p, mmap=True)
    msg = str(e.value)
    assert f"loading the dictionary of {p} needs" in msg and "mmap=True" not in msg
    # the figures explain a mapped load: the matrices are mapped, not counted as copied
    assert "of matrices are mapped, not copied" in msg
