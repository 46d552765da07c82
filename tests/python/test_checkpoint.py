"""Checkpoints and resume (options checkpoint, checkpointEvery, checkpointKeep, resume).

The claim: taking checkpoints never changes what is trained, and with thread=1 a run that is
stopped (callback, Ctrl-C, kill -9) and resumed from its last complete checkpoint ends with the
same model bytes as an uninterrupted run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sentvec

KINDS = {
    "skipgram": dict(model="skipgram", dim=16, minCount=1, bucket=5000, epoch=4, minn=2, maxn=4),
    "supervised": dict(dim=16, epoch=6, wordNgrams=2, bucket=5000),
    "sent2vec": dict(model="sent2vec", dim=16, minCount=1, bucket=5000, epoch=4),
}
COMMON = dict(thread=1, seed=3, verbose=0)


def corpus_for(kind, tiny_corpus, tiny_labelled) -> str:
    return str(tiny_labelled if kind == "supervised" else tiny_corpus)


def trainer(kind):
    return sentvec.train_supervised if kind == "supervised" else sentvec.train_unsupervised


def saved(model, path: Path) -> bytes:
    model.save_model(str(path))
    return path.read_bytes()


def checkpoints(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("ckpt-") and ".tmp" not in p.name)


@pytest.mark.parametrize("kind", list(KINDS))
def test_checkpoints_change_nothing_and_resume_gives_the_same_bytes(kind, tiny_corpus, tiny_labelled, tmp_path):
    inp, train, opts = corpus_for(kind, tiny_corpus, tiny_labelled), trainer(kind), dict(KINDS[kind], **COMMON)
    plain = saved(train(inp, **opts), tmp_path / "plain.bin")

    # Checkpoints every 0.7 epoch, all kept: the model is the same as without them.
    every = tmp_path / "every"
    with_ckpt = train(inp, checkpoint=str(every), checkpoint_every=0.7, checkpointKeep=0, **opts)
    assert saved(with_ckpt, tmp_path / "with.bin") == plain
    n = len(checkpoints(every))
    assert n == int(opts["epoch"] / 0.7)  # one per 0.7 epoch crossed before the end
    # A checkpoint's model is a normal model file.
    first = sentvec.load_model(str(every / "ckpt-000001" / "model.bin"))
    assert first.get_dimension() == 16 and len(first.get_words()) == len(with_ckpt.get_words())
    assert with_ckpt.last_checkpoint == str(every / f"ckpt-{n:06d}")

    # Stopped by the callback after two checkpoints, then resumed: the same bytes.
    stopped = tmp_path / "stopped"
    calls = []

    def stop(p):
        calls.append(p)
        return p.checkpoints < 2

    part = train(inp, checkpoint=str(stopped), checkpoint_every=0.7, callback=stop, **opts)
    assert calls[-1].checkpoints == 2 and not calls[-1].finished  # called right after each checkpoint
    assert saved(part, tmp_path / "part.bin") != plain  # it really was interrupted
    assert len(checkpoints(stopped)) == 1  # checkpointKeep=1 (the default)
    resumed = train(inp, resume=str(stopped), verbose=0)  # the other options come from it
    assert saved(resumed, tmp_path / "resumed.bin") == plain

    # Resuming from one checkpoint folder (not the newest) and from a file in it works too.
    third = every / "ckpt-000003"
    assert saved(train(inp, resume=str(third)), tmp_path / "r3.bin") == plain
    assert saved(train(inp, resume=str(third / "state.txt"), **opts), tmp_path / "r3b.bin") == plain


def test_resume_after_ctrl_c_keeps_the_last_complete_checkpoint(tiny_corpus, tmp_path):
    opts = dict(KINDS["skipgram"], **COMMON)
    plain = saved(sentvec.train_unsupervised(str(tiny_corpus), **opts), tmp_path / "plain.bin")
    folder = tmp_path / "ck"

    def ctrl_c(p):
        if p.checkpoints >= 2:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C: KeyboardInterrupt from the poll
        return True

    with pytest.raises(KeyboardInterrupt):
        sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=0.5,
                                   callback=ctrl_c, **opts)
    names = checkpoints(folder)
    assert len(names) == 1 and not [p for p in folder.iterdir() if ".tmp" in p.name]
    resumed = sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder))
    assert saved(resumed, tmp_path / "resumed.bin") == plain


def test_time_based_checkpoints_resume_to_the_same_bytes(tiny_labelled, tmp_path):
    opts = dict(KINDS["supervised"], **COMMON, epoch=300)
    plain = saved(sentvec.train_supervised(str(tiny_labelled), **opts), tmp_path / "plain.bin")
    folder = tmp_path / "ck"
    # The first poll after 1 ms asks for a checkpoint: the workers park wherever they are.
    part = sentvec.train_supervised(str(tiny_labelled), checkpoint=str(folder), checkpoint_every="0.001s",
                                    callback=lambda p: p.checkpoints < 1, **opts)
    assert len(checkpoints(folder)) == 1
    if saved(part, tmp_path / "part.bin") == plain:
        pytest.skip("training ended before the first poll")
    resumed = sentvec.train_supervised(str(tiny_labelled), resume=str(folder))
    assert saved(resumed, tmp_path / "resumed.bin") == plain


KILL_SCRIPT = textwrap.dedent("""
    import sys
    import sentvec
    sentvec.train_unsupervised(sys.argv[1], checkpoint=sys.argv[2], checkpoint_every=0.05, dim=16,
                               minCount=1, bucket=20000, epoch=100000, thread=2, verbose=0)
""")


def test_kill_9_leaves_a_loadable_last_checkpoint(tiny_corpus, tmp_path):
    from test_cli import cli_env

    script = tmp_path / "train.py"
    script.write_text(KILL_SCRIPT)
    folder = tmp_path / "ck"
    child = subprocess.Popen([sys.executable, str(script), str(tiny_corpus), str(folder)], env=cli_env())
    try:
        deadline = time.monotonic() + 120
        # Let it write a few checkpoints (each replaces the previous), then kill it mid-run.
        while time.monotonic() < deadline and child.poll() is None:
            if folder.is_dir() and any(n >= "ckpt-000005" for n in checkpoints(folder)):
                break
            time.sleep(0.01)
        assert child.poll() is None, "the training process ended on its own"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    names = checkpoints(folder)
    assert names, "no complete checkpoint"
    for name in names:  # every complete checkpoint loads; a .tmp one (if any) is never picked
        m = sentvec.load_model(str(folder / name / "model.bin"))
        assert m.get_dimension() == 16
        assert (folder / name / "state.txt").read_text().endswith("end\n")
    # Resume continues from the newest (its own checkpoints are numbered after it); stop it at once.
    m = sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), callback=lambda p: False)
    assert m.get_dimension() == 16
    assert m.last_checkpoint is None or Path(m.last_checkpoint).name > names[-1]


def test_partial_checkpoints_are_never_picked(tiny_corpus, tmp_path):
    opts = dict(KINDS["skipgram"], **COMMON)
    folder = tmp_path / "ck"
    sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=1, **opts)
    [good] = checkpoints(folder)
    # What a killed writer leaves: a .tmp folder (of a dead process) and one without state.txt.
    stale = folder / "ckpt-000099.tmp-999999999"
    stale.mkdir()
    (stale / "model.bin").write_bytes(b"partial")
    (folder / "ckpt-000098").mkdir()
    plain = saved(sentvec.train_unsupervised(str(tiny_corpus), **opts), tmp_path / "plain.bin")
    assert saved(sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder)), tmp_path / "r.bin") == plain
    # A run in the folder removes the dead writer's leftovers and numbers after the highest name.
    sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=2, **opts)
    assert not stale.exists() and checkpoints(folder)[-1] == "ckpt-000099"
    assert good not in checkpoints(folder)  # checkpointKeep=1


def test_checkpoint_keep(tiny_corpus, tmp_path):
    folder = tmp_path / "ck"
    sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=0.5, checkpointKeep=3,
                               **dict(KINDS["skipgram"], **COMMON))
    assert checkpoints(folder) == ["ckpt-000005", "ckpt-000006", "ckpt-000007"]


def test_resume_errors(tiny_corpus, tiny_labelled, tmp_path):
    opts = dict(KINDS["skipgram"], **COMMON)
    folder = tmp_path / "ck"
    sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=1, **opts)
    # Conflicting options name the option; equal ones and run-only ones are fine.
    with pytest.raises(ValueError, match="option 'lr' is 0.2 but the checkpoint .* 0.05"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), lr=0.2)
    with pytest.raises(ValueError, match="option 'thread' is 2"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), thread=2)
    with pytest.raises(ValueError, match="trains a skipgram model, not a cbow"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), model="cbow")
    with pytest.raises(ValueError, match="not a supervised"):
        sentvec.train_supervised(str(tiny_labelled), resume=str(folder))
    sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), checkpoint_every="5m", **opts)
    # Another corpus, or the same one changed, is refused.
    copy = tmp_path / "copy.txt"
    shutil.copy(tiny_corpus, copy)
    with pytest.raises(ValueError, match="training corpus is .*copy.txt, not"):
        sentvec.train_unsupervised(str(copy), resume=str(folder))
    changed = tmp_path / "changed.txt"
    shutil.copy(tiny_corpus, changed)
    other = tmp_path / "ck2"
    sentvec.train_unsupervised(str(changed), checkpoint=str(other), **opts)
    with open(changed, "a") as f:
        f.write("one more line\n")
    with pytest.raises(ValueError, match="training corpus has .* bytes, not"):
        sentvec.train_unsupervised(str(changed), resume=str(other))
    os.truncate(changed, os.path.getsize(tiny_corpus))
    with pytest.raises(ValueError, match="modified since the checkpoint"):
        sentvec.train_unsupervised(str(changed), resume=str(other))
    # Nothing to resume from.
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="option 'resume'.*no complete checkpoint"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(empty))
    with pytest.raises(FileNotFoundError, match="missing"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(tmp_path / "missing"))
    # A damaged state file is a format error, not a crash.
    bad = tmp_path / "bad"
    shutil.copytree(folder / checkpoints(folder)[-1], bad)
    text = (bad / "state.txt").read_text()
    (bad / "state.txt").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="state.txt"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(bad))
    # A hand-edited worker line (negative-table cursor past the table) is refused, not used.
    lines = text.splitlines(True)
    i = next(k for k, ln in enumerate(lines) if ln.startswith("worker="))
    fields = lines[i][len("worker="):].split()
    fields[4] = str(2**62)
    lines[i] = "worker=" + " ".join(fields) + "\n"
    (bad / "state.txt").write_text("".join(lines))
    with pytest.raises(ValueError, match="negative cursor"):
        sentvec.train_unsupervised(str(tiny_corpus), resume=str(bad))


@pytest.mark.parametrize("value", ["0", "-1", "abc", "5x", "", "nan", "inf", "s", " 1", "1e999", 0, -0.5, "0s"])
def test_checkpoint_every_errors(tiny_corpus, tmp_path, value):
    with pytest.raises(ValueError, match="option 'checkpointEvery' must be a number of epochs > 0"):
        sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(tmp_path / "ck"), checkpoint_every=value,
                                   verbose=0)
    assert not (tmp_path / "ck").exists()


def test_checkpoint_every_accepted_values(tiny_corpus, tmp_path):
    for i, value in enumerate(["30s", "5m", "1h", "0.25", 2, 1.5]):
        folder = tmp_path / f"ck{i}"
        sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=value, checkpointKeep=0,
                                   **dict(KINDS["skipgram"], **COMMON, epoch=2))
        # Counted in epochs: one per mark crossed before the end (none at the end, which is the
        # returned model); time-based ones are not due in so short a run.
        expected = {"0.25": 7, 2: 0, 1.5: 1}.get(value, 0)
        assert len(checkpoints(folder)) == expected


def test_checkpoint_folder_errors(tiny_corpus, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(NotADirectoryError):
        sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(f), verbose=0)
    with pytest.raises(ValueError, match="autotuneValidationFile"):
        sentvec.train_supervised(str(tiny_corpus), checkpoint=str(tmp_path / "c"), autotuneValidationFile=str(f))


def test_cli_checkpoint_and_resume(tiny_corpus, tmp_path):
    from test_cli import run

    flags = ["-dim", "16", "-minCount", "1", "-bucket", "5000", "-epoch", "4", "-thread", "1", "-seed", "3"]
    run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "plain", *flags)
    folder = tmp_path / "ck"
    run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "with", *flags, "-checkpoint", folder,
        "-checkpointEvery", "0.5", "-checkpointKeep", "0")
    assert (tmp_path / "with.bin").read_bytes() == (tmp_path / "plain.bin").read_bytes()
    # Resume from the third checkpoint of eight: the options come from it.
    run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "resumed", "-resume", folder / "ckpt-000003")
    assert (tmp_path / "resumed.bin").read_bytes() == (tmp_path / "plain.bin").read_bytes()
    r = run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "x", "-resume", folder, "-lr", "0.5",
            check=False)
    assert r.returncode != 0 and b"option 'lr'" in r.stderr


def test_official_fasttext_opens_a_checkpoint(tiny_corpus, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    folder = tmp_path / "ck"
    m = sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=1,
                                   **dict(KINDS["skipgram"], **COMMON))
    ours = sentvec.load_model(str(folder / "ckpt-000003" / "model.bin"))
    ft = fasttext.load_model(str(folder / "ckpt-000003" / "model.bin"))
    assert ft.get_words() == ours.get_words() == m.get_words()
    for w in ("the", "cat", "zzzunseen"):
        assert ft.get_word_vector(w).tolist() == ours.get_word_vector(w).tolist()


def test_two_threads_checkpoint_and_resume(tiny_corpus, tmp_path):
    # Hogwild with two threads is not reproducible, but a resumed run continues every thread.
    opts = dict(KINDS["skipgram"], thread=2, seed=3, verbose=0, epoch=6)
    folder = tmp_path / "ck"
    sentvec.train_unsupervised(str(tiny_corpus), checkpoint=str(folder), checkpoint_every=0.5,
                               callback=lambda p: p.checkpoints < 2, **opts)
    state = (folder / checkpoints(folder)[-1] / "state.txt").read_text()
    assert state.count("\nworker=") == 2
    calls = []
    m = sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder), callback=calls.append)
    assert calls[-1].finished and calls[-1].progress == 1.0 and calls[-1].epoch == 6
    assert m.get_dimension() == 16


def test_resume_of_python_data_needs_the_same_lines(tiny_corpus, tmp_path):
    """Training on a list of lines checkpoints too: resumed with the same lines it ends with the
    bytes of an uninterrupted run; other lines are refused (their size and checksum differ)."""
    lines = tiny_corpus.read_text(encoding="utf-8").splitlines()
    opts = dict(KINDS["skipgram"], **COMMON)
    plain = saved(sentvec.train_unsupervised(lines, **opts), tmp_path / "plain.bin")
    folder = tmp_path / "ck"
    part = sentvec.train_unsupervised(lines, checkpoint=str(folder), checkpoint_every=1,
                                      callback=lambda p: p.checkpoints < 2, **opts)
    assert saved(part, tmp_path / "part.bin") != plain
    assert saved(sentvec.train_unsupervised(iter(lines), resume=str(folder)), tmp_path / "r.bin") == plain
    changed = lines[:-1] + [lines[-1] + " extra"]
    with pytest.raises(ValueError, match="option 'resume': the training corpus"):
        sentvec.train_unsupervised(changed, resume=str(folder))


def test_continued_training_checkpoints_and_resumes(tiny_corpus, tmp_path):
    """A run that trains a model further (init_model) checkpoints over the new text's tokens and
    resumes to the bytes of an uninterrupted continued run."""
    opts = dict(KINDS["skipgram"], **COMMON)
    base = sentvec.train_unsupervised(str(tiny_corpus), **opts)
    more = dict(epoch=3, thread=1, seed=4, verbose=0)
    plain = saved(sentvec.train_unsupervised(str(tiny_corpus), init_model=base, **more), tmp_path / "plain.bin")
    folder = tmp_path / "ck"
    sentvec.train_unsupervised(str(tiny_corpus), init_model=base, checkpoint=str(folder), checkpoint_every=1,
                               callback=lambda p: p.checkpoints < 1, **more)
    assert checkpoints(folder) == ["ckpt-000001"]
    assert saved(sentvec.train_unsupervised(str(tiny_corpus), resume=str(folder)), tmp_path / "r.bin") == plain
    with pytest.raises(ValueError, match="without init_model"):
        sentvec.train_unsupervised(str(tiny_corpus), init_model=base, resume=str(folder))
