"""seqkeras.layers.differenced_forecast: the predicted differences are summed onto the
last observed target, step by step, and the layer checks its settings."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.differenced_forecast import DifferencedForecast
from tests.layers.layer_testing import run_layer_test


def test_cumulative_sum_of_differences_from_the_last_value():
    window = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)        # [B, L=3, F=2]
    differences = np.array([[[1], [2], [-0.5]], [[0], [0], [0]]], "float32")  # [B, H=3, K=1]
    out = run_layer_test(DifferencedForecast, {"targets": 1, "name": "d"},
                         [differences, window], expected_output_shape=(2, 3, 1),
                         expected_num_weights=0)
    np.testing.assert_allclose(out[0, :, 0], [4 + 1, 4 + 3, 4 + 2.5])  # window[0, -1, 0] = 4
    np.testing.assert_allclose(out[1, :, 0], [10, 10, 10])             # zeros: persistence


def test_needs_a_target():
    with pytest.raises(ValueError, match="at least 1"):
        DifferencedForecast(0)
