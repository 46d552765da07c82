"""Hardening under real limits (issue 11 items 1, 3, 4): a thread that cannot be created is a
clear error and the process lives; text inputs must be regular files (no hang on a FIFO or
/dev/zero); Ctrl-C stops a dictionary pass or a sent2vec step inside one huge line.

Each case runs in a child interpreter, because the limits (RLIMIT_AS, RLIMIT_NPROC) and the
failures before the fix (std::terminate, a blocked open, a long uninterruptible loop) would
take the test process with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sentvec
from conftest import TESTDATA
from helpers.corpora import write_one_line
from helpers.procfs import limit_address_space

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
VALID = TESTDATA / "cooking.valid.300"
# Generous: a child that hangs (the bug) is killed after this; a healthy one takes seconds.
CHILD_TIMEOUT = 120


def child_env() -> dict:
    # One BLAS thread: OpenBLAS reserves address space per thread at import, which would eat
    # the limits these tests set.
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), OPENBLAS_NUM_THREADS="1",
                OMP_NUM_THREADS="1")


def run_child(code: str, *args: str, timeout: float = CHILD_TIMEOUT) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter; a hang is a test failure, not a stuck suite."""
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                              capture_output=True, text=True, timeout=timeout, env=child_env())
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the child hung for {timeout} s: {e.stderr!r}")


def assert_clean(r: subprocess.CompletedProcess) -> None:
    """The child returned normally: no abort/terminate, no interpreter dump."""
    assert r.returncode == 0, f"rc={r.returncode}\nstdout={r.stdout}\nstderr={r.stderr}"
    assert "terminate called" not in r.stderr
    assert "Fatal Python error" not in r.stderr


# Sets RLIMIT_AS to what the process maps now plus `headroom` bytes, so that only a few thread
# stacks (8 MiB each by default) fit whatever the interpreter happens to map.
LIMIT_AS = """
import resource
def limit_as(headroom):
    with open("/proc/self/status") as f:
        vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + headroom, resource.RLIM_INFINITY))
    return vm + headroom
"""

# ------------------------------------------------------------------ item 1: threads refused
BATCH_CALLS = LIMIT_AS + """
import sys
import sentvec
m = sentvec.load_model(sys.argv[1])
lines = ["which baking dish is best to bake a banana bread ?"] * 4096
words = ["bread", "bake", "dish"] * 2000
limit_as(int(sys.argv[2]) << 20)
calls = {
    "embed_sentences": lambda: m.embed_sentences(lines, threads=64),
    "predict": lambda: m.predict(lines, k=2, threads=64),
    "get_word_vectors": lambda: m.get_word_vectors(words, threads=64),
}
for name, call in calls.items():
    try:
        call()
        print(name, "ok")
    except RuntimeError as e:
        assert "cannot start thread" in str(e) and "threads" in str(e), e
        print(name, "refused:", e)
# The process lives on and works with fewer threads.
v = m.embed_sentences(lines[:100], threads=2)
assert v.shape == (100, m.get_dimension())
print("alive")
"""


def test_batch_calls_under_an_address_space_limit_raise_runtime_error():
    """ulimit -v: 64 threads' stacks do not fit in 100 MiB above what the process maps. Before
    the fix std::thread's exception unwound past joinable threads: std::terminate (abort)."""
    r = run_child(BATCH_CALLS, str(FTZ), "100")
    assert_clean(r)
    out = r.stdout
    for name in ("embed_sentences", "predict", "get_word_vectors"):
        assert f"{name} refused: cannot start thread" in out, out
    assert "alive" in out


NPROC = """
import os, resource, sys
import sentvec
m = sentvec.load_model(sys.argv[1])
# Long lines: RLIMIT_NPROC counts live threads only, so the first ones must still be working
# when the ninth is started (short work would let them exit first).
lines = [" ".join(["which baking dish is best to bake a banana bread ?"] * 40)] * 20000
if os.getuid() == 0:
    os.setgid(65534)
    os.setuid(65534)  # RLIMIT_NPROC does not apply to root
resource.setrlimit(resource.RLIMIT_NPROC, (8, 8))
try:
    m.embed_sentences(lines, threads=64)
    print("ok")
except RuntimeError as e:
    assert "cannot start thread" in str(e), e
    print("refused:", e)
print("alive", m.embed_sentences(lines[:10], threads=1).shape)
"""


def test_batch_calls_under_rlimit_nproc_raise_runtime_error():
    """RLIMIT_NPROC of 8 (threads count as processes): 64 threads are refused cleanly. As root
    the child first becomes nobody, after loading the model (the limit does not apply to root)."""
    r = run_child(NPROC, str(FTZ))
    assert_clean(r)
    assert "refused: cannot start thread" in r.stdout, r.stdout
    assert "alive (10," in r.stdout


TRAIN_600 = """
import resource, sys
import sentvec
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, resource.RLIM_INFINITY))
try:
    sentvec.train_unsupervised(sys.argv[1], dim=10, epoch=1, minCount=1, bucket=1000,
                               thread=600, verbose=0)
    print("trained")
except RuntimeError as e:
    assert "cannot start thread" in str(e) and "of 600" in str(e), e
    print("refused:", e)
m = sentvec.train_unsupervised(sys.argv[1], dim=10, epoch=1, minCount=1, bucket=1000, thread=2,
                               verbose=0)
print("alive", len(m.words) > 0)
"""


def test_training_with_600_threads_under_4_gib_raises_runtime_error(tiny_corpus):
    """The issue's reproducer: thread=600 under ulimit -v 4 GiB (600 stacks of 8 MiB do not fit).
    The threads already started are stopped and joined; the error names the limit."""
    r = run_child(TRAIN_600, str(tiny_corpus))
    assert_clean(r)
    assert "refused: cannot start thread" in r.stdout, r.stdout
    assert "alive True" in r.stdout


# ------------------------------------------------------------------ item 3: non-regular inputs
NON_REGULAR = """
import errno, sys
import sentvec
m = sentvec.load_model(sys.argv[1])
dense = sentvec.train_supervised(sys.argv[2], epoch=1, verbose=0)
out = sys.argv[3]
for path in sys.argv[4:]:
    calls = {
        "train_unsupervised": lambda: sentvec.train_unsupervised(path, verbose=0),
        "train_supervised": lambda: sentvec.train_supervised(path, verbose=0),
        "test": lambda: m.test(path),
        "test_label": lambda: m.test_label(path),
        "embed_file": lambda: m.embed_file(path, out),
        "quantize": lambda: dense.quantize(input=path, retrain=True),
    }
    for name, call in calls.items():
        try:
            call()
            print(name, path, "accepted")
        except OSError as e:
            assert e.errno == errno.EINVAL and "not a regular file" in str(e), (name, e)
            print(name, path, "rejected")
"""


def test_fifo_and_devices_are_rejected_at_once(tmp_path):
    """A FIFO nobody writes to blocked training (and test files) in open(2), where Ctrl-C only
    gave an interpreter dump; /dev/zero never ended. Every text input now must be a regular file,
    as a model file must: OSError(EINVAL) at once, no open that waits for a writer."""
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    inputs = [str(fifo), "/dev/zero", "/dev/null"]
    r = run_child(NON_REGULAR, str(FTZ), str(VALID), str(tmp_path / "out.npy"), *inputs)
    assert_clean(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 6 * len(inputs), r.stdout
    assert all(line.endswith(" rejected") for line in lines), r.stdout
    assert not (tmp_path / "out.npy").exists()


def test_cli_training_on_a_fifo_is_one_line():
    """The command line reports the same refusal in one line, no traceback."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        fifo = Path(d) / "corpus.fifo"
        os.mkfifo(fifo)
        try:
            r = subprocess.run([sys.executable, "-m", "sentvec", "skipgram", "-input", str(fifo),
                                "-output", str(Path(d) / "m")], capture_output=True, text=True,
                               timeout=CHILD_TIMEOUT, env=child_env())
        except subprocess.TimeoutExpired:
            pytest.fail("the command line blocked on a FIFO without a writer")
    assert r.returncode == 1, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "not a regular file" in err[0], r.stderr
    assert "Traceback" not in r.stderr


def test_regular_test_file_reads_as_before(tmp_path):
    """test() now reads with the corpus reader; a last line without '\\n' still counts."""
    import sentvec

    m = sentvec.load_model(FTZ)
    data = VALID.read_bytes()
    cut = tmp_path / "valid.txt"
    cut.write_bytes(data.rstrip(b"\n"))  # no newline at the end
    assert m.test(cut) == m.test(VALID)
    assert m.test(VALID)[0] == 300


# ------------------------------------------------------------------ item 4: Ctrl-C in long lines
def interrupt_child(code: str, *args: str, delay: float, bound: float = 20.0):
    """Starts `code`, waits for it to print 'go' (just before the long call), sends SIGINT
    `delay` seconds later, and returns (stdout, stderr) once it exits. The child must exit within
    `bound` seconds of the signal (generous: before the fix it took tens of seconds to minutes)."""
    import time

    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=child_env())
    try:
        assert p.stdout.readline().strip() == "go"
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        pytest.fail(f"still running {bound} s after SIGINT: {err[-2000:]!r}")
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert "Traceback" not in err and "Fatal Python error" not in err, err
    return out, err


TRAIN_INTERRUPTED = """
import json, sys
import sentvec
opts = json.loads(sys.argv[2])
print("go", flush=True)
try:
    sentvec.train_unsupervised(sys.argv[1], **opts)
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_stops_the_dictionary_pass_on_a_corpus_without_newlines(tmp_path):
    """Interrupts were checked every 1,024 lines, so a corpus of one huge line (a 200 MB line,
    or /dev/zero's bytes in a regular file) was counted to its end before Ctrl-C was seen. They
    are now checked by bytes read: a 64 GiB sparse file of NUL bytes (no disk used; counting it
    takes minutes) stops with KeyboardInterrupt before the vocabulary summary ('Read ...')."""
    corpus = tmp_path / "zeros.txt"
    with open(corpus, "wb") as f:
        f.truncate(64 << 30)
    if os.stat(corpus).st_blocks * 512 > (1 << 30):
        pytest.skip("this file system does not keep sparse files sparse")
    opts = {"model": "skipgram", "dim": 10, "epoch": 1, "minCount": 1, "bucket": 1000,
            "thread": 1, "verbose": 1}
    import json

    out, err = interrupt_child(TRAIN_INTERRUPTED, str(corpus), json.dumps(opts), delay=1.0)
    assert out.strip().splitlines()[-1] == "interrupted", out
    assert "Read " not in err, "the dictionary pass ran to its end before the interrupt"


TRAIN_INTERRUPTED_RUNNING = """
import json, sys
import sentvec
opts = json.loads(sys.argv[2])
said = []
def started(progress):  # the first call comes once the training threads run
    if not said:
        said.append(1)
        print("go", flush=True)
try:
    sentvec.train_unsupervised(sys.argv[1], callback=started, **opts)
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_stops_sent2vec_inside_a_20_mb_line(tmp_path):
    """sent2vec trained a 4 MB piece of one line (here about a minute at dim 200) before it looked
    at the stop flag; it now checks it between the line's 1,024-word sentences, so the child is
    gone seconds after SIGINT."""
    corpus = write_one_line(tmp_path / "line20.txt", 20 << 20)
    opts = {"model": "sent2vec", "dim": 200, "epoch": 1, "minCount": 1, "bucket": 10000,
            "wordNgrams": 2, "thread": 1, "verbose": 0}
    import json

    out, _ = interrupt_child(TRAIN_INTERRUPTED_RUNNING, str(corpus), json.dumps(opts), delay=1.0)
    assert out.strip().splitlines()[-1] == "interrupted", out


def test_cli_thread_refusal_is_a_plain_error(tiny_corpus, tmp_path):
    """The CLI prints a refused thread as a one-line error, not as an internal error, and the
    Python type is sentvec.ThreadError, a RuntimeError."""
    assert issubclass(sentvec.ThreadError, RuntimeError)
    r = subprocess.run([sys.executable, "-m", "sentvec", "skipgram", "-input", str(tiny_corpus), "-output",
                        str(tmp_path / "m"), "-dim", "10", "-epoch", "1", "-minCount", "1", "-bucket", "1000",
                        "-thread", "600", "-verbose", "0"],
                       capture_output=True, text=True, timeout=120, preexec_fn=limit_address_space(4 << 30))
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "cannot start thread" in r.stderr and "of 600" in r.stderr, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not list(tmp_path.iterdir())  # nothing written
