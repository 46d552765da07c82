"""sentvec.dask on a dask.distributed LocalCluster of 2 worker processes: results equal the
in-process API, and each worker maps the model file once (summed Pss about one copy)."""

from __future__ import annotations

import numpy as np
import pytest
import sentvec
from dist_common import expected_k1, make_model, texts_of

pd = pytest.importorskip("pandas", reason="sentvec.dask needs pandas (the dask extra)")
dd = pytest.importorskip("dask.dataframe", reason="the dask extra (dask[dataframe]) is not installed")
db = pytest.importorskip("dask.bag", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
import sentvec.dask  # noqa: E402
from sentvec._jobs import process_report  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def setup(tiny_labelled, tmp_path_factory):
    path = make_model(tiny_labelled, tmp_path_factory.mktemp("dask"))
    texts = texts_of(tiny_labelled)
    return path, sentvec.load_model(path), texts


def test_predict_dataframe_equals_the_api(client, setup):
    path, model, texts = setup
    pdf = pd.DataFrame({"id": range(len(texts)), "text": texts})
    out = sentvec.dask.predict(dd.from_pandas(pdf, npartitions=6), path).compute()
    labels, probs = expected_k1(model, texts)
    assert list(out.columns) == ["id", "text", "label", "probability"]
    assert out["id"].tolist() == list(range(len(texts)))
    assert out["label"].tolist() == labels
    np.testing.assert_array_equal(out["probability"].to_numpy(), probs)


def test_predict_k2_series_and_split_documents(client, setup):
    path, model, texts = setup
    docs = ["\n".join(texts[i:i + 3]) for i in range(0, 60, 3)]
    s = dd.from_pandas(pd.Series(docs, name="text"), npartitions=3)
    out = sentvec.dask.predict(s, model, k=2, on_newline="split", prefix="p_").compute()
    labels, probs = model.predict(docs, k=2, on_newline="split")
    assert out["p_labels"].tolist() == labels
    np.testing.assert_array_equal(np.array(out["p_probabilities"].tolist()), np.array(probs, dtype=np.float64))


def test_bag_and_embed(client, setup):
    path, model, texts = setup
    bag = db.from_sequence(texts, npartitions=4)
    got = sentvec.dask.predict(bag, path).compute()
    labels, probs = expected_k1(model, texts)
    assert [g["label"] for g in got] == labels and [g["probability"] for g in got] == probs.tolist()
    ddf = dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=5)
    vecs = sentvec.dask.embed(ddf, path).compute()
    np.testing.assert_array_equal(vecs, model.embed_sentences(texts))
    bag_vecs = sentvec.dask.embed(bag, path).compute()
    np.testing.assert_array_equal(np.stack(bag_vecs), model.embed_sentences(texts))


def test_each_worker_maps_the_file_once(client, setup):
    path, _, texts = setup
    sentvec.dask.predict(dd.from_pandas(pd.DataFrame({"text": texts * 4}), npartitions=16), path).compute()
    reports = list(client.run(process_report, str(path)).values())
    assert len(reports) == 2 and len({r["pid"] for r in reports}) == 2
    assert [r["loads"] for r in reports] == [1, 1], reports
    assert all(r["rss_kb"] > 0 for r in reports), reports  # the file is mapped and read
    size_kb = path.stat().st_size / 1024
    assert sum(r["pss_kb"] for r in reports) <= 1.25 * size_kb + 8, reports  # one copy, shared


def test_bad_input_is_a_clear_error(client, setup, tiny_labelled):
    path, _, _ = setup
    ddf = dd.from_pandas(pd.DataFrame({"text": ["ok", None]}), npartitions=1)
    with pytest.raises(TypeError, match=r"column 'text' row 1: expected a str"):
        sentvec.dask.predict(ddf, path).compute()
    in_memory = sentvec.train_supervised(str(tiny_labelled), dim=5, epoch=1, thread=1, verbose=0)
    with pytest.raises(ValueError, match="save it with save_model"):
        sentvec.dask.predict(ddf, in_memory)
