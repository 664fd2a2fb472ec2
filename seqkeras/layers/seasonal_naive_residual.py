"""A forecast as a correction to the seasonal-naive forecast.

On a series with a strong season (hourly pollution, a yearly cycle in weekly data) the
value one season earlier is a better starting point than the last value: the network
then outputs only the change from it (the residual over the seasonal-naive forecast,
Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., 2021, 5.2 and
9.1: seasonal differencing), and a model that has learnt nothing forecasts seasonal
naive exactly as the baseline does. The look-up is a constant gather from the window, so
the served model takes the same raw window.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def seasonal_sources(lookback: int, horizon: int, period: int) -> np.ndarray:
    """Window index of the value one season before each step ahead: step ``h`` (1-based)
    reads index ``lookback - 1 + h - period * ceil(h / period)`` (so a horizon longer
    than the season reads the last season again, as the seasonal-naive baseline does).
    int64 ``[horizon]``; raises ValueError when ``lookback < period``."""
    if lookback < period:
        raise ValueError(f"the window ({lookback} steps) is shorter than the season "
                         f"({period} steps)")
    h = np.arange(1, horizon + 1)
    return (lookback - 1 + h - period * np.ceil(h / period).astype(np.int64)).astype(np.int64)


@keras.saving.register_keras_serializable(package="seqkeras")
class SeasonalNaiveResidual(keras.layers.Layer):
    """``[change [B, H, K], window [B, L, F]]`` (float) -> ``change + seasonal`` ``[B, H,
    K]``, where ``seasonal[:, h]`` is the window's first ``K`` features (the targets, in
    the units of ``change``) one ``period`` before step ``h + 1`` ahead
    (:func:`seasonal_sources`). ``targets``: K; ``period``: steps in one season. Raises
    ValueError when ``targets`` or ``period`` is below 1, or (when called) the window is
    shorter than the period."""

    def __init__(self, targets: int, period: int, **kwargs):
        super().__init__(**kwargs)
        if targets < 1 or period < 1:
            raise ValueError(f"targets and period must be at least 1, not {targets}, {period}")
        self.targets, self.period = targets, period

    def call(self, inputs):
        change, window = inputs
        index = seasonal_sources(window.shape[1], change.shape[1], self.period)
        seasonal = ops.take(window[:, :, :self.targets], index, axis=1)   # [B, H, K]
        return change + ops.cast(seasonal, change.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "targets": self.targets, "period": self.period}
