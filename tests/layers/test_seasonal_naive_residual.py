"""seqkeras.layers.seasonal_naive_residual: the change is added to the target one season
before each step ahead, read from the window, and the layer checks its settings."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.seasonal_naive_residual import SeasonalNaiveResidual, seasonal_sources
from tests.layers.layer_testing import run_layer_test


def test_adds_the_value_one_season_before_each_step_ahead():
    window = np.arange(2 * 6 * 3, dtype="float32").reshape(2, 6, 3)  # [B, L=6, F=3]
    change = np.ones((2, 4, 2), dtype="float32")                     # [B, H=4, K=2]
    out = run_layer_test(SeasonalNaiveResidual, {"targets": 2, "period": 3, "name": "s"},
                         [change, window], expected_output_shape=(2, 4, 2),
                         expected_num_weights=0)
    # steps ahead 1, 2, 3 read window rows 3, 4, 5 (one season back); step 4 reads row 3
    # (two seasons back, ceil(4 / 3) * 3 = 6 steps: always observed), as the
    # seasonal-naive baseline does
    np.testing.assert_array_equal(seasonal_sources(6, 4, 3), [3, 4, 5, 3])
    np.testing.assert_allclose(out, window[:, [3, 4, 5, 3], :2] + 1)


def test_matches_the_seasonal_naive_baseline():
    from seqkeras.topologies.sequence_prediction.baselines import seasonal_naive_forecast

    y = np.random.default_rng(0).normal(size=(40, 1))
    lookback, horizon, period = 12, 9, 5
    ends = np.arange(lookback - 1, 40 - horizon)
    baseline, ok = seasonal_naive_forecast(y, np.arange(40), ends, horizon, period)
    assert ok.all()
    windows = y[ends[:, None] + np.arange(-lookback + 1, 1)]
    out = SeasonalNaiveResidual(1, period)([np.zeros((len(ends), horizon, 1), "float32"),
                                            windows.astype("float32")])
    np.testing.assert_allclose(np.asarray(out), baseline, rtol=1e-6)


def test_checks_its_settings():
    with pytest.raises(ValueError, match="at least 1"):
        SeasonalNaiveResidual(1, 0)
    with pytest.raises(ValueError, match="shorter than the season"):
        seasonal_sources(4, 2, 7)
