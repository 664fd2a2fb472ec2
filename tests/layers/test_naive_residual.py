"""seqkeras.layers.naive_residual: the change is added to the last observed target, per
step ahead and per target, and the layer checks."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.naive_residual import NaiveResidual
from tests.layers.layer_testing import run_layer_test


def test_adds_the_last_target_values_to_every_step_ahead():
    window = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)  # [B, L, F]
    change = np.array([[[0.5, -1], [1, 0], [0, 2]]] * 2, dtype="float32")  # [B, H=3, K=2]
    out = run_layer_test(NaiveResidual, {"targets": 2, "name": "residual"},
                         [change, window], expected_output_shape=(2, 3, 2),
                         expected_num_weights=0)
    np.testing.assert_allclose(out[0], change[0] + [8, 9])    # window[0, -1, :2]
    np.testing.assert_allclose(out[1], change[1] + [20, 21])  # window[1, -1, :2]


def test_needs_a_target():
    with pytest.raises(ValueError, match="at least 1"):
        NaiveResidual(0)
