"""seqkeras.layers.length_mask: the mask comes from lengths, not values; layer checks."""

from __future__ import annotations

import keras
import numpy as np

from seqkeras.layers.length_mask import LengthMask
from tests.layers.layer_testing import run_layer_test


def test_mask_from_lengths_even_for_zero_valued_real_steps():
    x = np.ones((2, 4, 3), dtype="float32")
    x[0, 1] = 0.0                                   # a real step that is all zeros
    lengths = np.array([3, 1], dtype="int32")
    layer = LengthMask()
    out = np.asarray(layer([x, lengths]))
    mask = np.asarray(layer.compute_mask([x, lengths]))
    np.testing.assert_array_equal(mask, [[True, True, True, False], [True, False, False, False]])
    np.testing.assert_array_equal(out[0, 3], 0.0)    # padding zeroed
    np.testing.assert_array_equal(out[0, :3], x[0, :3])


def test_recurrent_layers_skip_padding():
    features = keras.Input((None, 3))
    lengths = keras.Input((), dtype="int32")
    h = keras.layers.LSTM(4)(LengthMask()([features, lengths]))
    model = keras.Model([features, lengths], h)
    x = np.random.default_rng(0).normal(size=(1, 5, 3)).astype("float32")
    garbage = np.concatenate([x, 9 * np.ones((1, 7, 3), "float32")], axis=1)
    np.testing.assert_allclose(model([garbage, np.array([5])]), model([x, np.array([5])]),
                               atol=1e-6)


def test_layer_checks():
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    out = run_layer_test(LengthMask, {"name": "mask"}, [x, np.array([2, 3], "int32")],
                         expected_output_shape=(2, 3, 4), expected_num_weights=0)
    np.testing.assert_array_equal(out[0, 2], 0.0)
