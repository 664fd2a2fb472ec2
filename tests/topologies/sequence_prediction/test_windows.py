"""sequence_prediction.windows: window ends respect lookback, horizon, gaps, context rows
and the stride; gathering windows and targets."""

from __future__ import annotations

import numpy as np

from seqkeras.topologies.sequence_prediction.windows import (gather_targets, gather_windows,
                                                             window_ends)


def test_window_ends_respect_lookback_horizon_gaps_context_and_stride():
    steps = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    none = np.zeros(10, bool)
    assert window_ends(steps, none, 3, 2).tolist() == [2, 3, 4, 5, 6, 7]
    assert window_ends(steps, none, 3, 2, stride=4).tolist() == [2, 6]
    context = np.array([True] * 4 + [False] * 6)   # first target must be row 4 or later
    assert window_ends(steps, context, 3, 2).tolist() == [3, 4, 5, 6, 7]
    gap = np.array([0, 1, 2, 3, 5, 6, 7, 8, 9, 10])  # step 4 dropped
    assert window_ends(gap, none, 2, 1).tolist() == [1, 2, 5, 6, 7, 8]
    assert window_ends(steps[:4], none, 3, 2).tolist() == []
    values = np.arange(10.0)
    np.testing.assert_array_equal(gather_windows(values, np.array([2, 5]), 3),
                                  [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(gather_targets(values, np.array([2, 5]), 2), [[3, 4], [6, 7]])
