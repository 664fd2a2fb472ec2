"""seqkeras.layers.pooling: the max over real steps only, and the layer checks."""

import keras
import numpy as np

from seqkeras.layers.pooling import POOLINGS, MaskedGlobalMaxPooling1D
from tests.layers.layer_testing import run_layer_test


def test_masked_max_ignores_padding_and_round_trips():
    x = np.array([[[1.0, -5.0], [9.0, 9.0]],      # step 2 is padding: must not win
                  [[-2.0, -3.0], [-1.0, -4.0]]], dtype="float32")
    mask = np.array([[True, False], [True, True]])
    out = MaskedGlobalMaxPooling1D()(x, mask=mask)
    np.testing.assert_allclose(out, [[1.0, -5.0], [-1.0, -3.0]])
    # a fully masked row pools to zeros
    np.testing.assert_allclose(MaskedGlobalMaxPooling1D()(x, mask=np.zeros((2, 2), bool)), 0.0)

    inp = keras.Input((None,), dtype="int64")
    emb = keras.layers.Embedding(10, 3, mask_zero=True)(inp)
    model = keras.Model(inp, MaskedGlobalMaxPooling1D()(emb))
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    ids = np.array([[3, 4, 0, 0]])
    np.testing.assert_allclose(clone(ids), model(ids))
    # padding more zeros changes nothing
    np.testing.assert_allclose(model(np.array([[3, 4, 0, 0, 0, 0]])), model(ids), rtol=1e-6)


def test_layer_checks():
    x = np.random.default_rng(0).normal(size=(3, 4, 5)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    out = run_layer_test(MaskedGlobalMaxPooling1D, {"name": "pool"}, x,
                         call_kwargs={"mask": mask}, expected_output_shape=(3, 5),
                         expected_num_weights=0)
    np.testing.assert_allclose(out[0], x[0, :2].max(0))
    np.testing.assert_allclose(out[2], 0.0)


def test_pooling_choices():
    assert sorted(POOLINGS) == ["max", "mean"]
    assert isinstance(POOLINGS["max"]("p"), MaskedGlobalMaxPooling1D)
    assert isinstance(POOLINGS["mean"]("p"), keras.layers.GlobalAveragePooling1D)
