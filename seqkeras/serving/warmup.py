"""TF Serving warmup requests: ``assets.extra/tf_serving_warmup_requests`` is a TFRecord
of PredictionLog protos that the server replays before it reports the model ready."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

from seqkeras.constants import SERVING_SIGNATURE


def write_warmup(path: Path, model_name: str, inputs: dict, signature: str = SERVING_SIGNATURE,
                 requests: int = 1) -> int:
    """Write ``requests`` copies of one PredictRequest built from ``inputs``."""
    request = predict_pb2.PredictRequest(
        model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    log = prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for _ in range(requests):
            writer.write(log.SerializeToString())
    return requests


def read_warmup(path: Path) -> list[tuple[str, dict]]:
    """(signature name, {input name: numpy array}) for each recorded request."""
    out = []
    for raw in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(raw)
        request = log.predict_log.request
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        out.append((request.model_spec.signature_name or SERVING_SIGNATURE, inputs))
    return out


def to_jsonable(value):
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        return np.vectorize(lambda x: x.decode("utf-8", "replace") if isinstance(x, bytes)
                            else str(x), otypes=[object])(value).tolist() if value.size else []
    return value.tolist()
