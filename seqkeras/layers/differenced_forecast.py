"""A forecast from predicted differences: the network outputs the step-to-step changes.

First differencing (Box & Jenkins; Hyndman & Athanasopoulos, *Forecasting: Principles
and Practice*, 3rd ed., 2021, 9.1) makes a trending series stationary; the forecast is
the last observed value plus the cumulative sum of the predicted differences, so a
network that outputs zeros forecasts persistence, and each step ahead is the previous
one plus its own change (unlike ``NaiveResidual``, where each step's change is from the
last observed value). The sum is a graph op: the served model takes the raw window.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class DifferencedForecast(keras.layers.Layer):
    """``[differences [B, H, K], window [B, L, F]]`` (float) -> ``window[:, -1:, :K] +
    cumsum(differences, axis=1)`` ``[B, H, K]``: the first ``K`` window features are the
    targets, in the units of the differences. ``targets``: K. Raises ValueError when
    ``targets`` is below 1."""

    def __init__(self, targets: int, **kwargs):
        super().__init__(**kwargs)
        if targets < 1:
            raise ValueError(f"targets must be at least 1, not {targets}")
        self.targets = targets

    def call(self, inputs):
        differences, window = inputs
        last = ops.cast(window[:, -1:, :self.targets], differences.dtype)  # [B, 1, K]
        return last + ops.cumsum(differences, axis=1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "targets": self.targets}
