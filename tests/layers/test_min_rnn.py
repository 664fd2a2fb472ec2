"""seqkeras.layers.min_rnn: minGRU / minLSTM. The parallel scan equals stepping the cell
one token at a time (outputs and gradients), padding is masked, the layers round-trip
their config, and a SavedModel of them uses only ops TF Serving links."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import SpecError
from seqkeras.layers.min_rnn import MinGRU, MinGRUCell, MinLSTM, MinLSTMCell, linear_scan
from seqkeras.layers.recurrent_stack import CELLS, rnn_layer
from seqkeras.serving.capi import graph_ops
from seqkeras.spec.model import EmbeddedRecurrentModel as ModelSpec
from tests.layers.layer_testing import run_layer_test

LAYERS = [MinGRU, MinLSTM]
rng = np.random.default_rng(7)
X = rng.normal(size=(3, 7, 5)).astype("float32") * 2
MASK = np.array([[1, 1, 1, 1, 0, 0, 0], [1] * 7, [0] * 7], bool)  # right-padded, full, empty
H0 = rng.normal(size=(3, 4)).astype("float32")  # any sign: the scan is linear in h_0


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_layer_checks(layer_cls):
    out = run_layer_test(layer_cls, {"units": 4, "return_sequences": True, "dropout": 0.1,
                                     "name": "min"}, X, call_kwargs={"mask": MASK},
                         expected_output_shape=(3, 7, 4), expected_num_weights=2)
    assert np.all(out[2] == 0.0)  # a fully padded row outputs zeros, as Keras' RNNs do
    last = run_layer_test(layer_cls, {"units": 3, "go_backwards": True}, X,
                          expected_output_shape=(3, 3))
    assert np.isfinite(last).all()


@pytest.mark.parametrize("cell_cls", [MinGRUCell, MinLSTMCell])
def test_cells_round_trip_and_have_a_step_api(cell_cls):
    cell = cell_cls(4, name="c")
    assert keras.saving.get_registered_name(cell_cls) == f"seqkeras>{cell_cls.__name__}"
    clone = cell_cls.from_config(json.loads(json.dumps(cell.get_config())))
    assert clone.get_config() == cell.get_config()
    h, states = cell(X[:, 0], [H0])
    assert h.shape == (3, 4) and len(states) == 1
    assert cell.state_size == cell.output_size == 4


@pytest.mark.parametrize("layer_cls", LAYERS)
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_parallel_scan_equals_stepping_the_cell(layer_cls, go_backwards, zero_output):
    """The layer's scan against Keras' own step loop over the same cell (shared weights),
    with padding, a non-zero initial state, both directions: outputs, final states and
    the gradients of inputs, initial state and weights."""
    layer = layer_cls(4, return_sequences=True, return_state=True, go_backwards=go_backwards,
                      zero_output_for_mask=zero_output)
    reference = keras.layers.RNN(layer.cell, return_sequences=True, return_state=True,
                                 go_backwards=go_backwards, zero_output_for_mask=zero_output)
    x, h0 = tf.constant(X), tf.constant(H0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, h0])
        ours = layer(x, mask=MASK, initial_state=[h0])
        theirs = reference(x, mask=MASK, initial_state=[h0])
        loss_ours = tf.reduce_sum(tf.sin(ours[0])) + tf.reduce_sum(ours[1] ** 2)
        loss_theirs = tf.reduce_sum(tf.sin(theirs[0])) + tf.reduce_sum(theirs[1] ** 2)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    wrt = [x, h0] + layer.trainable_weights
    for a, b in zip(tape.gradient(loss_ours, wrt), tape.gradient(loss_theirs, wrt)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_linear_scan_and_its_gradient_against_a_loop():
    a = tf.constant(rng.uniform(size=(2, 37, 3)).astype("float32"))  # not a power of two
    b = tf.constant(rng.normal(size=(2, 37, 3)).astype("float32"))

    def loop(a, b):
        h, out = tf.zeros_like(b[:, 0]), []
        for t in range(a.shape[1]):
            h = a[:, t] * h + b[:, t]
            out.append(h)
        return tf.stack(out, axis=1)

    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        ours, theirs = linear_scan(a, b), loop(a, b)
        l1, l2 = tf.reduce_sum(tf.cos(ours)), tf.reduce_sum(tf.cos(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    for g1, g2 in zip(tape.gradient(l1, [a, b]), tape.gradient(l2, [a, b])):
        np.testing.assert_allclose(g1, g2, rtol=1e-4, atol=1e-4)
    # traced for any length (the while-loop rounds) gives the same values
    any_length = tf.function(linear_scan, input_signature=[tf.TensorSpec([None, None, 3])] * 2)
    np.testing.assert_allclose(any_length(a, b), ours, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cell", ["min_gru", "min_lstm"])
def test_stack_masks_padding_and_trains(cell):
    spec = ModelSpec.model_validate({"units": 4, "cell": cell, "bidirectional": True,
                                     "layers": 2, "dropout": 0.2})
    from seqkeras.layers.recurrent_stack import recurrent_stack

    ids = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(9, 3, mask_zero=True)(ids)
    model = keras.Model(ids, keras.layers.Dense(1)(recurrent_stack(x, spec, False)))
    assert isinstance(model.get_layer("rnn_bi_0").forward_layer, CELLS[cell])
    np.testing.assert_allclose(model(np.array([[3, 4, 0, 0, 0, 0]])), model(np.array([[3, 4]])),
                               rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    x_train = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [0, 0, 0, 0], [6, 7, 8, 1]])
    history = model.fit(x_train, np.ones((4, 1)), epochs=3, verbose=0)
    assert all(np.isfinite(history.history["loss"]))  # a fully padded row too


def test_recurrent_dropout_is_rejected():
    with pytest.raises(ValueError, match="no recurrent weights"):
        MinGRU(4, recurrent_dropout=0.1)
    # the schema refuses it (seqkeras validate, no TensorFlow) ...
    with pytest.raises(ValueError, match="no recurrent weights"):
        ModelSpec.model_validate({"cell": "min_lstm", "recurrent_dropout": 0.1})
    # ... and so does the layer factory for a spec built past the schema (a tune trial)
    spec = ModelSpec.model_construct(**{**ModelSpec().model_dump(), "cell": "min_lstm",
                                        "recurrent_dropout": 0.1})
    with pytest.raises(SpecError, match="model.recurrent_dropout"):
        rnn_layer(spec, 4, "rnn")


def test_export_uses_only_ops_tf_serving_links(tmp_path):
    """A SavedModel of both layers (bidirectional, masked, traced for any batch and length)
    passes the check-serving op allowlist and loads through TF's C++ loader; no cuDNN op."""
    ids = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(20, 6, mask_zero=True)(ids)
    x = keras.layers.Bidirectional(MinGRU(5, return_sequences=True))(x)
    x = MinLSTM(5)(x)
    model = keras.Model(ids, keras.layers.Dense(2)(x))
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", lambda t: {"out": model(t, training=False)},
                         input_signature=[tf.TensorSpec([None, None], tf.int64, name="ids")])
    archive.write_out(str(tmp_path / "export"))
    used = graph_ops(str(tmp_path / "export"))
    assert not [op for op in used if "Cudnn" in op]
    proc = subprocess.run([sys.executable, "-m", "seqkeras.serving.capi",
                           str(tmp_path / "export")], capture_output=True, text=True,
                          timeout=300, env={"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
                                            "PATH": "/usr/bin:/bin"})
    report = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    assert report["disallowed_ops"] == [] and report["ok"], report
    assert "load_seconds" in report  # the C++ loader loaded it
