"""Nothing lost: a save that fails (full disk, file size limit, unwritable folder) raises OSError,
leaves any existing file of that name untouched and no temporary file behind."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import sentvec
from conftest import TESTDATA

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"  # 96,534 bytes
OLD = b"the previous model, which must survive\n"


@pytest.fixture(scope="module")
def model():
    return sentvec.load_model(FTZ)


@contextmanager
def tmpfs(path: Path, options: str):
    """Mount a small tmpfs at `path` (root only); skip the test when mounting is not allowed."""
    path.mkdir(exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def leftovers(folder: Path, name: str):
    return sorted(p.name for p in folder.iterdir() if p.name != name)


@pytest.mark.parametrize("what", ["save_model", "save_vectors", "save_vectors_binary"])
def test_full_disk(tmp_path, model, what):
    # 64 KiB does not hold the 94 KiB model; 16 KiB does not hold its 55 / 30 KiB of vectors.
    with tmpfs(tmp_path / "small", "size=64k" if what == "save_model" else "size=16k") as d:
        target = d / "model.bin"
        target.write_bytes(OLD)
        with pytest.raises(OSError) as e:
            if what == "save_model":
                model.save_model(target)
            else:
                model.save_vectors(target, binary=what.endswith("binary"))
        assert e.value.errno == errno.ENOSPC, e.value
        assert str(target) in str(e.value)
        assert target.read_bytes() == OLD
        assert leftovers(d, "model.bin") == []


def test_read_only_folder(tmp_path, model):
    d = tmp_path / "ro"
    d.mkdir()
    (d / "model.bin").write_bytes(OLD)  # written before the remount, so it exists there
    with tmpfs(tmp_path / "ro2", "size=1m") as m:
        (m / "model.bin").write_bytes(OLD)
        r = subprocess.run(["mount", "-o", "remount,ro", str(m)], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
        with pytest.raises(OSError) as e:
            model.save_model(m / "model.bin")
        assert e.value.errno == errno.EROFS
        assert "ro2" in str(e.value)
        assert (m / "model.bin").read_bytes() == OLD
        assert leftovers(m, "model.bin") == []


def test_unwritable_folder_for_a_normal_user(tmp_path, model):
    """chmod does not stop root: the save runs in a forked child that dropped to 'nobody'."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges in a child")
    d = tmp_path / "locked"
    d.mkdir()
    (d / "model.bin").write_bytes(OLD)
    os.chmod(d, 0o555)
    os.chmod(tmp_path, 0o755)
    pid = os.fork()
    if pid == 0:  # child: no pytest machinery here, report through the exit code
        code = 3
        try:
            os.setgid(65534)
            os.setuid(65534)
            model.save_model(d / "model.bin")
            code = 1
        except OSError as e:
            code = 0 if e.errno in (errno.EACCES, errno.EPERM) and "locked" in str(e) else 2
        except BaseException:  # noqa: BLE001 - any other failure is reported as code 4
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    os.chmod(d, 0o755)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert (d / "model.bin").read_bytes() == OLD
    assert leftovers(d, "model.bin") == []


def test_file_size_limit(tmp_path, model):
    """RLIMIT_FSIZE makes a write fail with EFBIG midway, like a quota."""
    import resource

    target = tmp_path / "model.bin"
    target.write_bytes(OLD)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
            model.save_model(target)
            code = 1
        except OSError as e:
            code = 0 if e.errno == errno.EFBIG and str(target) in str(e) else 2
        except BaseException:  # noqa: BLE001 - any other failure is reported as code 4
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, "model.bin") == []


def test_dev_full(model):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(OSError) as e:
        model.save_model("/dev/full")
    assert e.value.errno == errno.ENOSPC and "/dev/full" in str(e.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # the device was written to, not replaced


def test_missing_folder_and_directory_target(tmp_path, model):
    with pytest.raises(FileNotFoundError) as e:
        model.save_model(tmp_path / "no" / "such" / "model.bin")
    assert "no/such" in str(e.value)
    with pytest.raises(IsADirectoryError):
        model.save_model(tmp_path)


def test_success_replaces_atomically_keeps_mode_and_symlink(tmp_path, model):
    real = tmp_path / "real.bin"
    real.write_bytes(OLD)
    os.chmod(real, 0o640)
    link = tmp_path / "current.bin"
    link.symlink_to(real)
    model.save_model(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() == FTZ.read_bytes()
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert leftovers(tmp_path, "real.bin") == ["current.bin"]


def test_replacing_a_mapped_model_keeps_serving_the_old_one(tmp_path, model):
    """A save renames a new file over the old name: a process that mapped the old file keeps
    its pages (no SIGBUS), and new loads see the new model."""
    from serve_models import write_bin

    p = tmp_path / "served.bin"
    write_bin(p, nwords=200, bucket=5000, dim=16, seed=1)
    served = sentvec.load_model(p, mmap=True)
    before = served.get_word_vectors(["w1", "w7", "oov"])
    model.save_model(p)  # the supervised .ftz replaces it
    np = pytest.importorskip("numpy")
    np.testing.assert_array_equal(served.get_word_vectors(["w1", "w7", "oov"]), before)
    assert sentvec.load_model(p).args["model"] == "supervised"
