"""predict: run raw inputs through the newest export, as a client of the server would."""

from __future__ import annotations

import json
from pathlib import Path

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tf-text ops the graph uses)

from seqkeras.constants import EXPORT_METADATA_FILE, SERVING_SIGNATURE
from seqkeras.serving.versions import latest
from seqkeras.topologies import get_topology


def predict(model_path: str | Path, texts: list[str]) -> list[str]:
    version_dir = latest(Path(model_path))
    meta = json.loads((version_dir / "assets.extra" / EXPORT_METADATA_FILE).read_text())
    loaded = tf.saved_model.load(str(version_dir))
    fn = loaded.signatures[SERVING_SIGNATURE]
    topology = get_topology(meta["topology"])
    inputs = topology.parse_predict_inputs(fn.structured_input_signature[1], texts)
    result = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    outputs = {k: v.numpy() for k, v in result.items()}
    return topology.format_prediction(inputs, outputs)
