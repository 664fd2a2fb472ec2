"""A forecast as a correction to persistence: the model starts from the naive forecast.

A recurrent forecaster whose output is the level of a trending series must extrapolate
beyond the values it was trained on (a series that rises through train, val and test puts
every test value above the training range), and loses to persistence. Predicting the
change from the last observed value instead (the residual over the naive forecast, a
target transform listed in Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 3rd ed., 2021, ch. 5 and 9: differencing) keeps the outputs in the range the
model saw, and a model that has learnt nothing forecasts persistence. The addition is a
graph op, so the served model takes and returns the same raw values as before.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class NaiveResidual(keras.layers.Layer):
    """``[change [B, H, K], window [B, L, F]]`` (float) -> ``change + window[:, -1, :K]``
    ``[B, H, K]``: the model's per-step change added to the last step of the first ``K``
    features of the window (the targets, in the same units as ``change``: the
    forecaster's normalized targets come first in its window). ``targets``: K. Raises
    ValueError when ``targets`` is below 1."""

    def __init__(self, targets: int, **kwargs):
        super().__init__(**kwargs)
        if targets < 1:
            raise ValueError(f"targets must be at least 1, not {targets}")
        self.targets = targets

    def call(self, inputs):
        change, window = inputs
        last = window[:, -1:, :self.targets]          # [B, 1, K], broadcast over H
        return change + ops.cast(last, change.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "targets": self.targets}
