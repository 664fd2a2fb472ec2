"""Sliding windows over one split's rows: ``lookback`` input steps, then ``horizon``
target steps, all consecutive on the time grid and none of the targets a context row."""

from __future__ import annotations

import numpy as np


def window_ends(steps: np.ndarray, context: np.ndarray, lookback: int, horizon: int,
                stride: int = 1) -> np.ndarray:
    """Row index of the last input step of every window: ``lookback`` consecutive input
    steps followed by ``horizon`` consecutive target steps, none of them context rows.
    ``stride`` keeps every stride-th window."""
    n = len(steps)
    ends = np.arange(lookback - 1, n - horizon)
    if not len(ends):
        return ends.astype(np.int64)
    steps = np.asarray(steps)
    consecutive = steps[ends + horizon] - steps[ends - lookback + 1] == lookback + horizon - 1
    context = np.asarray(context, bool)
    first_target_ok = ~context[ends + 1]  # context rows form a prefix
    ends = ends[consecutive & first_target_ok]
    return ends[::stride].astype(np.int64)


def gather_windows(values: np.ndarray, ends: np.ndarray, lookback: int) -> np.ndarray:
    """[windows, lookback, ...] input windows ending at ``ends``."""
    return values[ends[:, None] + np.arange(-lookback + 1, 1)]


def gather_targets(values: np.ndarray, ends: np.ndarray, horizon: int) -> np.ndarray:
    """[windows, horizon, ...] the steps after each window."""
    return values[ends[:, None] + np.arange(1, horizon + 1)]
