"""The HTTP service's application in process (Starlette's TestClient): answers equal the Python
API, and every documented error status (400, 404, 413, 503 while loading, 504, 500 without detail)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sentvec

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("httpx", reason="starlette's TestClient needs httpx")
from sentvec.serve.app import build_app  # noqa: E402
from sentvec.serve.config import ServeConfig, parse_model_specs  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OPTS = dict(dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4, thread=1, verbose=0, seed=3)
TEXTS = ["bread cheese oven", "ball goal team coach", "guitar drum song", "the a très"]


@pytest.fixture(scope="module")
def sup_path(tiny_labelled, tmp_path_factory):
    p = tmp_path_factory.mktemp("serve-app") / "sup.bin"
    sentvec.train_supervised(str(tiny_labelled), **OPTS).save_model(p)
    return p


@pytest.fixture(scope="module")
def client(sup_path):
    cfg = ServeConfig(models={"sup": str(sup_path)}, max_batch=8, max_body=4096)
    with TestClient(build_app(cfg), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def model(sup_path):
    return sentvec.load_model(sup_path, mmap=True)


def post(client, path, body, status=200):
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    return r.json()


def test_predict_equals_the_api(client, model):
    got = post(client, "/v1/models/sup/predict", {"texts": TEXTS, "k": 2})["predictions"]
    labels, probs = model.predict(TEXTS, k=2)
    assert [g["labels"] for g in got] == labels
    np.testing.assert_array_equal(np.array([g["probabilities"] for g in got], dtype=np.float32), np.array(probs))
    one = post(client, "/v1/models/sup/predict", {"text": TEXTS[0], "k": 3, "threshold": 0.01})
    ls, ps = model.predict(TEXTS[0], k=3, threshold=0.01)
    assert one["labels"] == list(ls) and np.array_equal(np.float32(one["probabilities"]), ps)
    doc = post(client, "/v1/models/sup/predict", {"text": "bread cheese\nball goal", "k": 2, "on_newline": "split"})
    ls, ps = model.predict("bread cheese\nball goal", k=2, on_newline="split")
    assert doc["labels"] == list(ls) and np.array_equal(np.float32(doc["probabilities"]), ps)


def test_vectors_and_neighbours_equal_the_api(client, model):
    got = post(client, "/v1/models/sup/sentence-vectors", {"texts": TEXTS})["vectors"]
    np.testing.assert_array_equal(np.array(got, dtype=np.float32), model.embed_sentences(TEXTS))
    one = post(client, "/v1/models/sup/sentence-vectors", {"text": "a\nb", "on_newline": "join"})["vector"]
    np.testing.assert_array_equal(np.float32(one), model.get_sentence_vector("a b"))
    words = ["bread", "goal", "unseenword"]
    got = post(client, "/v1/models/sup/word-vectors", {"words": words})["vectors"]
    np.testing.assert_array_equal(np.array(got, dtype=np.float32), model.get_word_vectors(words))
    nn = post(client, "/v1/models/sup/neighbors", {"word": "bread", "k": 3})["neighbors"]
    assert [(n["word"], np.float32(n["score"])) for n in nn] == [(w, np.float32(s)) for s, w in
                                                                  model.get_nearest_neighbors("bread", 3)]


def test_batch_endpoint_mixes_operations_and_reports_each_status(client, model):
    body = {"requests": [{"model": "sup", "op": "predict", "texts": TEXTS[:2]},
                         {"model": "sup", "op": "word-vectors", "word": "bread"},
                         {"model": "nope", "op": "predict", "text": "x"},
                         {"model": "sup", "op": "predict", "text": 3}]}
    out = post(client, "/v1/batch", body)["responses"]
    assert [o["status"] for o in out] == [200, 200, 404, 400]
    assert [p["labels"] for p in out[0]["predictions"]] == model.predict(TEXTS[:2])[0]
    np.testing.assert_array_equal(np.float32(out[1]["vector"]), model.get_word_vector("bread"))
    too_many = {"requests": [{"model": "sup", "op": "predict", "texts": TEXTS}] * 3}  # 12 items > 8
    assert "at most 8" in post(client, "/v1/batch", too_many, 413)["error"]["message"]


@pytest.mark.parametrize("path,body,status,needle", [
    ("/v1/models/sup/predict", {"text": "a\nb"}, 400, "one line"),
    ("/v1/models/sup/predict", {"text": "a", "k": 0}, 400, "'k' must be an integer"),
    ("/v1/models/sup/predict", {"text": "a", "threshold": 2}, 400, "threshold"),
    ("/v1/models/sup/predict", {"text": "a", "on_newline": "x"}, 400, "on_newline"),
    ("/v1/models/sup/predict", {"text": "a", "texts": ["b"]}, 400, "exactly one of"),
    ("/v1/models/sup/predict", {"txt": "a"}, 400, "unknown field"),
    ("/v1/models/sup/predict", [1, 2], 400, "JSON object"),
    ("/v1/models/sup/predict", {"texts": ["a", 1]}, 400, "'texts[1]' must be a string"),
    ("/v1/models/sup/predict", {"texts": ["a"] * 9}, 413, "at most 8"),
    ("/v1/models/sup/frobnicate", {"text": "a"}, 404, "unknown operation"),
    ("/v1/models/other/predict", {"text": "a"}, 404, "unknown model 'other'"),
    ("/v1/models/sup/neighbors", {"word": "a", "k": -1}, 400, "'k'"),
])
def test_bad_input_gets_a_json_error(client, path, body, status, needle):
    err = post(client, path, body, status)["error"]
    assert err["status"] == status and needle in err["message"]


def test_body_limits(client):
    r = client.post("/v1/models/sup/predict", content=b'{"text": "' + b"a" * 5000 + b'"}')
    assert r.status_code == 413 and "over 4096 bytes" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(10):
            yield b" " * 1000
    r = client.post("/v1/models/sup/predict", content=chunks())
    assert r.status_code == 413
    r = client.post("/v1/models/sup/predict", content=b"{not json")
    assert r.status_code == 400 and "not JSON" in r.json()["error"]["message"]
    assert client.get("/v1/models/sup/predict").status_code == 405
    assert client.get("/nowhere").json()["error"]["status"] == 404


def test_health_ready_models_and_metrics(client):
    assert client.get("/health").json()["status"] == "ok"
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["models"]["sup"]["state"] == "ready"
    info = client.get("/v1/models").json()["models"][0]
    assert info["name"] == "sup" and info["mapped"] is True and info["labels"] == 4
    post(client, "/v1/models/sup/predict", {"texts": TEXTS})
    text = client.get("/metrics").text
    assert 'sentvec_requests_total{endpoint="predict",status="200"}' in text
    assert 'sentvec_items_total{endpoint="predict",model="sup"}' in text
    assert "sentvec_request_seconds_bucket" in text


def test_admin_reload_needs_the_token(sup_path):
    cfg = ServeConfig(models={"sup": str(sup_path)}, admin_token="s3cret")
    with TestClient(build_app(cfg)) as c:
        assert c.post("/admin/reload").status_code == 401
        r = c.post("/admin/reload", headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200 and r.json()["reload"] == {"sup": "reloaded"}
        assert c.get("/v1/models").json()["models"][0]["generation"] == 2
    with TestClient(build_app(ServeConfig(models={"sup": str(sup_path)}))) as c:
        assert c.post("/admin/reload", headers={"Authorization": "Bearer x"}).status_code == 403


def test_503_while_loading_then_200(sup_path):
    release = threading.Event()

    def slow_loader(path):
        release.wait(30)
        return sentvec.load_model(path, mmap=True)

    cfg = ServeConfig(models={"sup": str(sup_path)}, load_wait=0)
    with TestClient(build_app(cfg, loader=slow_loader)) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/ready").status_code == 503
        r = c.post("/v1/models/sup/predict", json={"text": "bread"})
        assert r.status_code == 503 and "loading" in r.json()["error"]["message"]
        release.set()
        for _ in range(300):  # bounded: the load is a mapping
            if c.get("/ready").status_code == 200:
                break
            time.sleep(0.01)
        assert c.post("/v1/models/sup/predict", json={"text": "bread"}).status_code == 200


def test_a_model_that_fails_to_load_is_503_with_the_reason(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a model at all")
    with TestClient(build_app(ServeConfig(models={"bad": str(bad)}))) as c:
        r = c.post("/v1/models/bad/predict", json={"text": "x"})
        assert r.status_code == 503 and "failed to load" in r.json()["error"]["message"]
        assert c.get("/ready").json()["models"]["bad"]["state"] == "failed"


class _Stub:
    """A stand-in model: slow or failing on purpose."""

    def __init__(self, sleep=0.0, fail=False):
        self.sleep, self.fail = sleep, fail

    def predict(self, text, **kw):
        if self.fail:
            raise RuntimeError("secret internal detail")
        time.sleep(self.sleep)
        return ("__label__x",), np.array([1.0])


def test_timeout_is_504_and_internal_errors_hide_details():
    cfg = ServeConfig(models={"slow": "/x", "boom": "/y"}, timeout=0.2)
    stubs = {"/x": _Stub(sleep=2.0), "/y": _Stub(fail=True)}
    with TestClient(build_app(cfg, loader=stubs.__getitem__), raise_server_exceptions=False) as c:
        r = c.post("/v1/models/slow/predict", json={"text": "a"})
        assert r.status_code == 504 and "more than 0.2 s" in r.json()["error"]["message"]
        r = c.post("/v1/models/boom/predict", json={"text": "a"})
        assert r.status_code == 500 and r.json() == {"error": {"status": 500, "message": "internal server error"}}
        assert "secret" not in r.text and "Traceback" not in r.text


def test_model_specs():
    assert parse_model_specs(["/a/b/lid.bin", "x=/c.ftz"]) == {"lid": "/a/b/lid.bin", "x": "/c.ftz"}
    with pytest.raises(ValueError, match="given twice"):
        parse_model_specs(["/a/m.bin", "/b/m.bin"])
    with pytest.raises(ValueError, match="no model"):
        parse_model_specs([])
