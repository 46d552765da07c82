"""sentvec.spark with a local[2] SparkSession: the predict / embed pandas UDFs equal the
in-process API, and each Python worker process maps the model file once."""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pytest
import sentvec
from dist_common import expected_k1, make_model, texts_of

pytest.importorskip("pandas", reason="sentvec.spark needs pandas (the spark extra)")
pytest.importorskip("pyarrow", reason="sentvec.spark needs pyarrow (the spark extra)")
pyspark = pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("PySpark needs Java (apt-get install -y default-jre-headless)", allow_module_level=True)
import sentvec.spark  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from sentvec._jobs import mapping_kb  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def spark():
    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "SPARK_LOCAL_IP", "PYTHONPATH")}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYTHONPATH"] = os.pathsep.join(sys.path)  # workers import sentvec and this module
    s = (SparkSession.builder.master("local[2]").appName("sentvec-test")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.python.worker.reuse", "true").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def setup(tiny_labelled, tmp_path_factory):
    path = make_model(tiny_labelled, tmp_path_factory.mktemp("spark"))
    return path, sentvec.load_model(path), texts_of(tiny_labelled)


def test_predict_udf_equals_the_api(spark, setup):
    path, model, texts = setup
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id long, text string").repartition(4)
    pred = sentvec.spark.predict_udf(str(path))
    rows = df.withColumn("p", pred("text")).select("id", "p.label", "p.probability").orderBy("id").collect()
    labels, probs = expected_k1(model, texts)
    assert [r["label"] for r in rows] == labels
    np.testing.assert_array_equal(np.array([r["probability"] for r in rows]), probs)


def test_predict_udf_k2_and_embed_udf(spark, setup):
    path, model, texts = setup
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id long, text string").repartition(3)
    out = (df.withColumn("p", sentvec.spark.predict_udf(model, k=2)("text"))
             .withColumn("v", sentvec.spark.embed_udf(path)("text")).orderBy("id").collect())
    labels, probs = model.predict(texts, k=2)
    assert [list(r["p"]["labels"]) for r in out] == labels
    np.testing.assert_array_equal(np.array([r["p"]["probabilities"] for r in out]), np.array(probs, dtype=np.float64))
    np.testing.assert_array_equal(np.array([r["v"] for r in out], dtype=np.float32), model.embed_sentences(texts))


def _report(path):
    from sentvec._jobs import get_model, model_ref, process_report

    def part(rows):
        n = sum(1 for _ in rows)
        get_model(model_ref(path))  # what the UDFs call: the cache of this Python worker
        r = process_report(path)
        yield (r["pid"], r["loads"], r["rss_kb"], n)

    return part


def test_each_python_worker_maps_the_file_once(spark, setup):
    path, _, texts = setup
    reports = spark.sparkContext.parallelize(range(400), 8).mapPartitions(_report(str(path))).collect()
    assert all(loads == 1 for _, loads, _, _ in reports), reports
    assert all(rss > 0 for _, _, rss, _ in reports) and sum(n for *_, n in reports) == 400
    assert os.getpid() not in {pid for pid, *_ in reports}
    # The reused Python workers are still alive: the driver reads their smaps at one moment (Pss
    # splits a shared page among the processes mapping it then).
    pids = sorted({pid for pid, *_ in reports})
    figures = [mapping_kb(str(path), pid) for pid in pids]
    live = [f for f in figures if f[0] > 0]
    assert len(live) >= 2, (pids, figures)  # local[2]: two Python workers map the file
    size_kb = path.stat().st_size / 1024
    rss, pss = sum(r for r, _ in live), sum(p for _, p in live)
    assert pss <= 1.25 * size_kb + 8, (figures, size_kb)  # one copy between them
    assert rss >= 1.5 * pss, figures  # the same pages, shared
