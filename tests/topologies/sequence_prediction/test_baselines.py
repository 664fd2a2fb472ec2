"""sequence_prediction.baselines: persistence, seasonal-naive and per-step errors on a
hand-made series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqkeras.topologies.sequence_prediction.baselines import (horizon_metrics, naive_forecast,
                                                               seasonal_naive_forecast)
from seqkeras.topologies.sequence_prediction.windows import gather_targets, window_ends

Y = np.array([[10], [12], [11], [15], [14], [18], [17], [21]], dtype=float)


def test_naive_and_seasonal_naive_on_a_hand_made_series():
    steps = np.arange(8)
    ends = window_ends(steps, np.zeros(8, bool), 2, 2)
    assert ends.tolist() == [1, 2, 3, 4, 5]
    naive = naive_forecast(Y, ends, 2)
    assert naive[:, :, 0].tolist() == [[12, 12], [11, 11], [15, 15], [14, 14], [18, 18]]
    seasonal, ok = seasonal_naive_forecast(Y, steps, ends, 2, period=2)
    # h=1 -> the value 2 steps before the target (y[t-1]); h=2 -> y[t]
    assert seasonal[:, :, 0].tolist() == [[10, 12], [12, 11], [11, 15], [15, 14], [14, 18]]
    assert ok.all()
    # period 3: h=1, 2 look back 3 steps: window t=1 would need step -1
    seasonal3, ok3 = seasonal_naive_forecast(Y, steps, ends, 2, period=3)
    assert ok3.tolist() == [False, True, True, True, True]
    assert seasonal3[1, :, 0].tolist() == [10, 12]
    # period 1 with horizon 2: h=2 goes back 2 steps (one whole season per step)
    seasonal1, _ = seasonal_naive_forecast(Y, steps, ends, 2, period=1)
    assert seasonal1[0, :, 0].tolist() == [12, 12]

    truth = gather_targets(Y, ends, 2)
    m = horizon_metrics(truth, naive)
    # step 1: |12-11| |11-15| |15-14| |14-18| |18-17| = 1 4 1 4 1; step 2: all 3
    assert m["mae_step"] == pytest.approx([11 / 5, 3.0])
    assert m["rmse_step"] == pytest.approx([math.sqrt(35 / 5), 3.0])
    assert m["mae"] == pytest.approx(26 / 10) and m["rmse"] == pytest.approx(math.sqrt(80 / 10))
    s = horizon_metrics(truth, seasonal)
    # step 1: |10-11| |12-15| |11-14| |15-18| |14-17| = 1 3 3 3 3
    assert s["mae_step"] == pytest.approx([13 / 5, 3.0])
    # a masked (imputed) target cell is not scored
    mask = np.ones_like(truth, bool)
    mask[1, 0, 0] = False                     # the |11-15| error
    assert horizon_metrics(truth, naive, mask)["mae_step"][0] == pytest.approx(7 / 4)
    assert horizon_metrics(truth, naive, mask)["count"] == 9
