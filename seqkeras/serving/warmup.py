"""TF Serving warmup requests: ``assets.extra/tf_serving_warmup_requests`` is a TFRecord
of PredictionLog protos that the server replays before it reports the model ready."""

from __future__ import annotations

import base64
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


def _text_or_b64(x):
    """A served string as JSON: text when it is UTF-8, else ``{"b64": ...}`` (binary
    values such as WAV files, the way TF Serving's REST API carries them)."""
    if isinstance(x, bytes):
        try:
            return x.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(x).decode("ascii")}
    return str(x)


def to_jsonable(value):
    """A numpy value as JSON: lists of numbers, of strings, or of ``{"b64": ...}`` for
    binary strings."""
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        return np.vectorize(_text_or_b64, otypes=[object])(value).tolist() if value.size else []
    return value.tolist()


def from_jsonable(value):
    """Undo ``{"b64": ...}`` leaves of :func:`to_jsonable` (back to bytes)."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    return value
