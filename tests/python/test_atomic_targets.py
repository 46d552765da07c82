"""One atomic write path for every writer (issue 11 items 2 and 9, issue 9 item 4): .bin, .vec,
word2vec binary and .npy (``embed_file`` and ``sentvec embed`` with and without -progress) all
give the same file mode, write devices and FIFOs in place instead of replacing them, write
through symlinks, and clean up the temporaries a killed save left behind (only those)."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import REPO, TESTDATA

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
SENTENCES = b"how to bake bread\nwhich knife for tomatoes\n\nsoup\n"


@pytest.fixture(scope="module")
def model():
    return sentvec.load_model(FTZ)


def cli(*args, umask: int | None = None, check: bool = True):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    pre = (lambda: os.umask(umask)) if umask is not None else None
    r = subprocess.run([sys.executable, "-m", "sentvec", *map(str, args)], capture_output=True,
                       env=env, preexec_fn=pre, check=False, cwd=REPO)
    if check:
        assert r.returncode == 0, r.stderr.decode()[-2000:]
    return r


def write_with(what: str, model, target: Path, src: Path, umask: int | None = None):
    """Write `target` with one of the writers; CLI ones run in a child (with `umask`)."""
    if what == "save_model":
        model.save_model(target)
    elif what == "save_vectors":
        model.save_vectors(target)
    elif what == "save_vectors_binary":
        model.save_vectors(target, binary=True)
    elif what == "embed_file":
        model.embed_file(src, target)
    elif what == "cli_embed":
        return cli("embed", FTZ, src, target, umask=umask, check=False)
    elif what == "cli_embed_progress":
        return cli("embed", FTZ, src, target, "-progress", umask=umask, check=False)
    return None


WRITERS = ["save_model", "save_vectors", "save_vectors_binary", "embed_file", "cli_embed",
           "cli_embed_progress"]


@pytest.fixture()
def src(tmp_path):
    p = tmp_path / "in.txt"
    p.write_bytes(SENTENCES)
    return p


@pytest.mark.parametrize("what", WRITERS)
def test_one_permission_rule_for_every_writer(what, model, src, tmp_path):
    target = tmp_path / "new.out"
    old = os.umask(0o027)
    try:
        r = write_with(what, model, target, src, umask=0o027)
    finally:
        os.umask(old)
    assert r is None or r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # 0666 & ~umask, for a new file
    os.chmod(target, 0o600)
    r = write_with(what, model, target, src, umask=0o022)
    assert r is None or r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600  # an existing file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "new.out"]


@pytest.mark.parametrize("what", WRITERS)
def test_dev_full_is_written_in_place_and_fails_clearly(what, model, src):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    if what.startswith("cli"):
        r = write_with(what, model, Path("/dev/full"), src)
        assert r.returncode == 1 and b"/dev/full" in r.stderr and b"No space left" in r.stderr, r.stderr
        assert b"internal error" not in r.stderr
    else:
        with pytest.raises(OSError) as e:
            write_with(what, model, Path("/dev/full"), src)
        assert e.value.errno == errno.ENOSPC and "/dev/full" in str(e.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # the device was written to, not replaced


def read_fifo(path: Path, out: list):
    with open(path, "rb") as f:
        out.append(f.read())


@pytest.mark.parametrize("what", ["save_model", "save_vectors", "embed_file", "cli_embed"])
def test_a_fifo_target_gets_the_bytes(what, model, src, tmp_path):
    regular = tmp_path / "regular.out"
    write_with(what, model, regular, src)
    fifo = tmp_path / "pipe.out"
    os.mkfifo(fifo)
    got: list = []
    reader = threading.Thread(target=read_fifo, args=(fifo, got))
    reader.start()
    r = write_with(what, model, fifo, src)
    reader.join(60)
    assert r is None or r.returncode == 0, r.stderr
    assert got and got[0] == regular.read_bytes()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "pipe.out", "regular.out"]


def test_embed_file_into_a_fifo_is_a_valid_npy(model, src, tmp_path):
    fifo = tmp_path / "v.npy"
    os.mkfifo(fifo)
    got: list = []
    reader = threading.Thread(target=read_fifo, args=(fifo, got))
    reader.start()
    assert model.embed_file(src, fifo) is None  # nothing to open afterwards
    reader.join(60)
    (tmp_path / "copy.npy").write_bytes(got[0])
    np.testing.assert_array_equal(np.load(tmp_path / "copy.npy"),
                                  model.embed_sentences(SENTENCES.decode().splitlines()))


@pytest.mark.parametrize("what", ["save_vectors", "embed_file", "cli_embed_progress"])
def test_symlink_stays_a_link_and_its_file_is_replaced(what, model, src, tmp_path):
    real = tmp_path / "real.out"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.out"
    link.symlink_to(real.name)  # relative, resolved against the link's folder
    r = write_with(what, model, link, src)
    assert r is None or r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_bytes() != b"old" and stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "link.out", "real.out"]


def test_dangling_symlink_creates_the_file_it_names(model, tmp_path):
    link = tmp_path / "link.bin"
    link.symlink_to("made.bin")
    model.save_model(link)
    assert link.is_symlink() and (tmp_path / "made.bin").read_bytes() == FTZ.read_bytes()


# ------------------------------------------------------------------------------ killed saves
KILLED_WRITER = """
import sys, sentvec
m = sentvec.load_model(sys.argv[1])
print("loaded", flush=True)
m.save_vectors(sys.argv[2])  # text: slow enough to be killed midway
print("finished", flush=True)
"""


def temporaries(folder: Path, name: str):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.sentvec-tmp-"))


def kill_during_save(big: Path, target: Path) -> str:
    """SIGKILLs a child while its temporary file for `target` is being written; returns its name."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for _ in range(5):  # the save may win the race on a fast machine: try again
        child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(big), str(target)],
                                 stdout=subprocess.PIPE, env=env)
        assert child.stdout.readline() == b"loaded\n"
        found = []
        while child.poll() is None and not found:
            found = [t for t in temporaries(target.parent, target.name)
                     if os.path.getsize(target.parent / t) > 0]
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        left = temporaries(target.parent, target.name)
        if child.returncode == -signal.SIGKILL and left:
            assert left == found and str(child.pid) in left[0]
            return left[0]
    pytest.fail("could not kill the writer during its save")


def test_next_save_removes_the_temporary_of_a_killed_save(tmp_path, model):
    from serve_models import write_bin

    big = write_bin(tmp_path / "big.bin", nwords=60_000, bucket=10, dim=64)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "vectors.vec"
    target.write_bytes(b"the previous vectors\n")
    leftover = kill_during_save(big, target)
    assert target.read_bytes() == b"the previous vectors\n"  # the target itself is intact
    # Not ours: another name pattern, another target's temporary, a live writer's temporary.
    strangers = [".vectors.vec.sentvec-tmp-abc", "vectors.vec.tmp.123456",
                 ".vectors.vec.sentvec-tmp-1-abcdefg", ".other.vec.sentvec-tmp-1-abcdef"]
    for s in strangers:
        (out / s).write_bytes(b"x")
    live = out / ".vectors.vec.sentvec-tmp-1-LIVE00"
    live.write_bytes(b"being written")
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl,sys; f=open(sys.argv[1],'rb'); fcntl.flock(f, fcntl.LOCK_EX);"
                               "print('locked', flush=True); sys.stdin.read()", str(live)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline() == b"locked\n"
    try:
        model.save_model(target)  # any writer: the same path cleans up
    finally:
        holder.stdin.close()
        holder.wait()
        holder.stdout.close()
    assert leftover not in os.listdir(out)
    assert sorted(os.listdir(out)) == sorted(strangers + [live.name, "vectors.vec"])
    assert target.read_bytes() == FTZ.read_bytes()


def test_an_abandoned_temporary_of_another_user_is_left_alone(tmp_path, model):
    if os.geteuid() != 0:
        pytest.skip("needs root to own a file as another user")
    t = tmp_path / ".m.bin.sentvec-tmp-999999-abcdef"
    t.write_bytes(b"someone else's")
    os.chown(t, 65534, 65534)
    model.save_model(tmp_path / "m.bin")
    assert t.exists()
    with open(t, "rb") as f:  # and no lock is held on it now
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
