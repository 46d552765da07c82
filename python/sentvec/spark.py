"""pandas UDFs for PySpark (``pip install "sentvec[spark]"``).

    predict = sentvec.spark.predict_udf("hdfs-mounted/lid.bin", k=1)
    df.withColumn("pred", predict("text")).select("text", "pred.label", "pred.probability")
    df.withColumn("vec", sentvec.spark.embed_udf("s2v.bin")("text"))

The UDF closes over the model's path and identity only (a few hundred bytes, whereas a fastText
model cannot be pickled into a UDF at all); each Python worker process maps the file once and
runs the batch C++ calls on every Arrow batch it is given.
"""

# No ``from __future__ import annotations``: PySpark reads the UDFs' pandas type hints at run time.
from typing import Any

from ._jobs import as_texts, embed_rows, get_model, model_ref, predict_columns


def predict_udf(model: Any, k: int = 1, threshold: float = 0.0, on_newline: str = "error", mmap: bool = True):
    """A pandas UDF: string column -> struct ``<label: string, probability: double>`` (k=1) or
    ``<labels: array<string>, probabilities: array<double>>`` (k > 1). No label above the
    threshold gives a null label (NaN probability) or empty arrays."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    ref = model_ref(model, mmap)
    schema = ("label string, probability double" if k == 1
              else "labels array<string>, probabilities array<double>")

    @pandas_udf(schema)
    def predict(texts: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(predict_columns(get_model(ref), as_texts(texts, "text"), k, threshold, on_newline))

    return predict


def embed_udf(model: Any, on_newline: str = "error", mmap: bool = True):
    """A pandas UDF: string column -> ``array<float>`` sentence vectors."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    ref = model_ref(model, mmap)

    @pandas_udf("array<float>")
    def embed(texts: pd.Series) -> pd.Series:
        return pd.Series(list(embed_rows(get_model(ref), as_texts(texts, "text"), on_newline)))

    return embed
