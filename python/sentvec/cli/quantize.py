"""``quantize``: fastText's verb and flags; reads <output>.bin, writes <output>.ftz."""

from __future__ import annotations

from .common import COMMON_OPTS, THREAD_OPT, load, progress_wanted, threads
from .errors import PROG, UsageError
from .parsing import Opt, verb

_QUANTIZE_OPTS = {
    **COMMON_OPTS,
    "output": Opt("str", "model name: <output>.bin is read and <output>.ftz written"),
    "input": Opt("str", "training file (used by -retrain)"),
    "qnorm": Opt("flag", "quantize the row norms separately"),
    "qout": Opt("flag", "quantize the output matrix too (needs >= 256 labels)"),
    "cutoff": Opt("int", "keep the N input rows (words and n-grams) of largest norm (0: all)"),
    "retrain": Opt("flag", "retrain the pruned model on -input before quantizing"),
    "epoch": Opt("int", "number of epochs for -retrain (default: the model's)"),
    "lr": Opt("float", "learning rate for -retrain"),
    "dsub": Opt("int", "size of each sub-vector (default 2)"),
    "eval": Opt("str", "comma-separated STS / word-similarity files: print how close the .ftz stays to the .bin"),
    **THREAD_OPT,
}


@verb(
    "quantize",
    "quantize a model (any kind): reads <output>.bin, writes <output>.ftz (as fastText)",
    [],
    _QUANTIZE_OPTS,
    "Options as official fastText's quantize: -output is the model name without extension. "
    "Skipgram, cbow and sent2vec models quantize too (-cutoff: keep the N most frequent words).",
)
def cmd_quantize(pos, opts):
    out = opts.get("output")
    if not out:
        raise UsageError(f"'quantize' needs -output <model> (the model is <model>.bin; see '{PROG} help quantize')")
    if opts.get("retrain") and not opts.get("input"):
        raise UsageError("-retrain needs -input <training file>")
    model = load(out + ".bin", opts)
    model.quantize(
        input=opts.get("input"),
        qout=bool(opts.get("qout")),
        cutoff=opts.get("cutoff", 0),
        dsub=opts.get("dsub", 2),
        qnorm=bool(opts.get("qnorm")),
        thread=threads(opts),
        retrain=bool(opts.get("retrain")),
        epoch=opts.get("epoch"),
        lr=opts.get("lr"),
        verbose=opts.get("verbose", 2 if progress_wanted(opts) else 0),
    )
    model.save_model(out + ".ftz")
    if opts.get("eval"):
        _print_comparison(out + ".bin", model, opts["eval"])
    return 0


def _print_comparison(original_path: str, shrunk, files: str) -> None:
    import sentvec

    ev = sentvec.evaluate

    kinds: dict[str, str] = {}
    for path in (p for p in files.split(",") if p):
        kinds.setdefault(ev.eval_file_kind(path), path)
    original = sentvec.load_model(original_path, mmap=True)
    sentences = None
    if "sts" in kinds:
        _, a, b = ev.read_sts(kinds["sts"])
        sentences = [ev.normalize(x) for x in (a + b)[:2000]]
    print(ev.compare(original, shrunk, sentences=sentences, wordsim=kinds.get("wordsim"), sts=kinds.get("sts")))
