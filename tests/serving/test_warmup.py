"""seqkeras.serving.warmup: TF Serving warmup records and JSON conversion."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from seqkeras.serving.warmup import read_warmup, to_jsonable, write_warmup


def test_warmup_round_trip(tmp_path):
    path = tmp_path / "assets.extra" / "tf_serving_warmup_requests"
    inputs = {"text": np.array(["good film", "bad"], dtype=object)}
    assert write_warmup(path, "imdb", inputs, requests=3) == 3
    requests = read_warmup(path)
    assert len(requests) == 3
    for signature, got in requests:
        assert signature == "serving_default"
        assert got["text"].tolist() == [b"good film", b"bad"]
    raw = next(iter(tf.data.TFRecordDataset(str(path)).as_numpy_iterator()))
    spec = prediction_log_pb2.PredictionLog.FromString(raw).predict_log.request.model_spec
    assert spec.name == "imdb" and spec.signature_name == "serving_default"


def test_warmup_numeric_inputs_and_signature(tmp_path):
    path = tmp_path / "w"
    write_warmup(path, "m", {"token_ids": np.array([[4, 5, 0]], dtype=np.int64)},
                 signature="from_token_ids")
    [(signature, got)] = read_warmup(path)
    assert signature == "from_token_ids"
    assert got["token_ids"].dtype == np.int64 and got["token_ids"].tolist() == [[4, 5, 0]]


def test_to_jsonable():
    assert to_jsonable(np.array([b"caf\xc3\xa9", "x"], dtype=object)) == ["café", "x"]
    assert to_jsonable(np.array([[b"a", b"b"]], dtype=object)) == [["a", "b"]]
    assert to_jsonable(np.array([], dtype=object)) == []
    assert to_jsonable(np.array([[0.5, 0.25]], dtype=np.float32)) == [[0.5, 0.25]]
    assert to_jsonable(np.int64(3)) == 3
