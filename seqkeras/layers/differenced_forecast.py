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

from seqkeras.layers.naive_residual import NaiveResidual


@keras.saving.register_keras_serializable(package="seqkeras")
class DifferencedForecast(NaiveResidual):
    """``[differences [B, H, K], window [B, L, F]]`` (float) -> ``window[:, -1:, :K] +
    cumsum(differences, axis=1)`` ``[B, H, K]``: the first ``K`` window features are the
    targets, in the units of the differences. ``targets``: K. Raises ValueError when
    ``targets`` is below 1. The settings, shape and config are ``NaiveResidual``'s: the
    last observed value plus the changes, which here are the running sums."""

    def call(self, inputs):
        differences, window = inputs
        return super().call([ops.cumsum(differences, axis=1), window])
