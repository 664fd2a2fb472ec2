"""All six stages of a piano_roll pipeline on a tiny slice of the JSB chorales, then the
export as TF Serving sees it: the served chorales equal the Python per-step decoder's."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.constants import PARITY_FILE
from seqkeras.topologies.piano_roll.frame_decoder import frames_to_pitches, python_frame_decode
from seqkeras.serving.predict import predict
from tests.pipeline_helpers import (assert_serves, require_shared, run_all_stages,  # noqa: F401
                                    workdir)

pytestmark = pytest.mark.slow

SPEC = """
name: jsb_tiny
topology: piano_roll
seed: 5
data:
  sources:
    - {path: jsb_chorales/jsb-chorales-quarter.json}
  max_records_per_split: 12
model: {cell: gru, units: 16, layers: 1}
train: {epochs: 2, batch_size: 6, early_stopping: null}
generate: {temperature: 1.0, max_length: 8, samples: 3}
export: {parity_examples: 6}
"""


def test_piano_roll_pipeline_serves_the_python_decoders_chorales(workdir):  # noqa: F811
    require_shared("jsb_chorales/jsb-chorales-quarter.json")
    run_all_stages(workdir, "jsb_tiny", SPEC)

    train = workdir / "data/jsb_tiny/train"
    metrics = json.loads((train / "metrics.json").read_text())
    assert 5 < metrics["test_nll_per_step"] < 65          # untrained: 88 ln 2 = 61
    assert metrics["test_loss"] == metrics["test_nll_per_step"]
    assert 0 <= metrics["test_frame_accuracy"] <= 1
    assert sorted(p.name for p in (train / "samples").iterdir()) == \
        ["chorale_00.mid", "chorale_01.mid", "chorale_02.mid"]
    assert (train / "piano_roll_samples.png").stat().st_size > 0

    assert_serves(workdir / "models/jsb_tiny", {"steps", "temperature", "seed"}, 6)

    # what the C++ session produced is what the Python reference decoder samples
    version = workdir / "models/jsb_tiny/1"
    parity = json.loads((version / "assets.extra" / PARITY_FILE).read_text())
    model = keras.models.load_model(train / "model.keras")
    inputs = {k: np.array(v) for k, v in parity["inputs"].items()}
    assert (inputs["temperature"] == 0).any() and (inputs["temperature"] > 0).any()
    frames, lengths = python_frame_decode(model, inputs["steps"], inputs["temperature"],
                                          inputs["seed"])
    assert lengths.tolist() == parity["outputs"]["length"]
    np.testing.assert_array_equal(frames, np.array(parity["outputs"]["piano_roll"]))
    np.testing.assert_array_equal(frames_to_pitches(frames).numpy(),
                                  np.array(parity["outputs"]["pitches"]))

    # the primer signature of the SavedModel, against the same reference
    loaded = tf.saved_model.load(str(version)).signatures["from_primer"]
    primer = np.array([[[67, 62, 59, 43], [67, 62, 59, 55]], [[-1] * 4] * 2], np.int32)
    args = {"steps": np.array([3, 2], np.int32), "temperature": np.ones(2, np.float32),
            "seed": np.array([4, 5], np.int64), "primer": primer,
            "primer_length": np.array([2, 0], np.int32)}
    out = loaded(**{k: tf.constant(v) for k, v in args.items()})
    want, _ = python_frame_decode(model, args["steps"], args["temperature"], args["seed"],
                                  primer, args["primer_length"])
    np.testing.assert_array_equal(out["piano_roll"].numpy(), want)
    assert out["pitches"].numpy()[0, :2].tolist() == primer[0].tolist()

    lines = predict(workdir / "models/jsb_tiny", ["steps=4", "seed=3"])
    assert lines[0].startswith("chorale 1 (seed 3") and len(lines) == 5
