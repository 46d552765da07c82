"""sentvec.ray with ray.init(num_cpus=2): Predictor / Embedder in Dataset.map_batches equal the
in-process API, and each actor process maps the model file once."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import sentvec
from dist_common import expected_k1, make_model, texts_of

pd = pytest.importorskip("pandas", reason="sentvec.ray needs pandas (the ray extra)")
ray = pytest.importorskip("ray", reason="the ray extra (ray[data]) is not installed")
pytest.importorskip("ray.data", reason="the ray extra (ray[data]) is not installed")
import sentvec.ray  # noqa: E402
from sentvec._jobs import mapping_kb, process_report  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def cluster():
    # The workers import this module (ReportingPredictor) and sentvec from the same paths.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)}})
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def setup(tiny_labelled, tmp_path_factory):
    path = make_model(tiny_labelled, tmp_path_factory.mktemp("ray"))
    return path, sentvec.load_model(path), texts_of(tiny_labelled)


class ReportingPredictor(sentvec.ray.Predictor):
    """Predictor that also says which process answered and how many models it loaded."""

    def __call__(self, batch):
        out = super().__call__(batch)
        r = process_report(self.ref.path)
        n = len(out["label"])
        out.update(pid=np.full(n, r["pid"]), loads=np.full(n, r["loads"]), rss=np.full(n, r["rss_kb"]))
        return out

    def run(self, batch):
        """``__call__`` as an actor method (the test keeps two actors alive to read their memory)."""
        return self(batch)


def test_predictor_equals_the_api_and_maps_once_per_actor(cluster, setup):
    path, model, texts = setup
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
    out = ds.map_batches(ReportingPredictor, fn_constructor_kwargs={"model": str(path)}, concurrency=2,
                         batch_size=40).to_pandas()
    labels, probs = expected_k1(model, texts)
    assert out["id"].tolist() == list(range(len(texts)))
    assert out["label"].tolist() == labels
    np.testing.assert_array_equal(out["probability"].to_numpy(), probs)
    per_pid = out.groupby("pid")["loads"].max()
    assert (per_pid == 1).all(), per_pid  # one mapping per actor process, however many batches
    assert (out["rss"] > 0).all() and os.getpid() not in set(out["pid"])


def test_actors_share_one_mapping_of_the_file(cluster, setup):
    # Pss splits a shared page among the processes mapping it *at that moment*, so the driver reads
    # every actor's /proc/PID/smaps while both are alive, after both answered.
    path, model, texts = setup
    actor = ray.remote(num_cpus=1)(ReportingPredictor)
    actors = [actor.remote(model=str(path)) for _ in range(2)]
    batch = {"text": np.array(texts, dtype=object)}
    outs = ray.get([a.run.remote(batch) for a in actors])
    try:
        labels, _ = expected_k1(model, texts)
        assert all(list(o["label"]) == labels for o in outs)
        pids = sorted({int(o["pid"][0]) for o in outs})
        assert len(pids) == 2 and os.getpid() not in pids, pids
        figures = [mapping_kb(str(path), pid) for pid in pids]
    finally:
        for a in actors:
            ray.kill(a)
    size_kb = path.stat().st_size / 1024
    rss, pss = sum(r for r, _ in figures), sum(p for _, p in figures)
    assert all(r > 0 for r, _ in figures), figures  # each actor maps the file and reads it
    assert pss <= 1.25 * size_kb + 8, (figures, size_kb)  # one copy between them
    assert rss >= 1.5 * pss, figures  # the pages they read are the same pages, shared


def test_predictor_pandas_batches_k2(cluster, setup):
    path, model, texts = setup
    ds = ray.data.from_pandas(pd.DataFrame({"text": texts}))
    out = ds.map_batches(sentvec.ray.Predictor, fn_constructor_kwargs={"model": str(path), "k": 2},
                         batch_format="pandas", concurrency=2, batch_size=64).to_pandas()
    labels, probs = model.predict(texts, k=2)
    assert [list(x) for x in out["labels"]] == labels
    np.testing.assert_array_equal(np.array([list(p) for p in out["probabilities"]]), np.array(probs, dtype=np.float64))


def test_embedder_equals_the_api(cluster, setup):
    path, model, texts = setup
    ds = ray.data.from_items([{"text": t} for t in texts])
    out = ds.map_batches(sentvec.ray.Embedder, fn_constructor_kwargs={"model": str(path)}, concurrency=2,
                         batch_size=50).to_pandas()
    np.testing.assert_array_equal(np.stack(out["vector"].to_numpy()), model.embed_sentences(texts))


def test_missing_column_is_a_clear_error(cluster, setup):
    path, _, _ = setup
    p = sentvec.ray.Predictor(str(path), column="body")
    with pytest.raises(KeyError, match="no column 'body'"):
        p({"text": np.array(["a"], dtype=object)})
