"""The timestamps of the steps a forecaster predicts, from the window's last timestamp.

On a regular grid the ``h``-th step ahead is the last observed time plus ``h`` steps, so
a model can be given the calendar of the very steps it forecasts (known future
covariates; Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
2021, 7.4) without the client sending anything more than the window's own timestamps.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class StepsAhead(keras.layers.Layer):
    """int64 Unix seconds ``[B, L]`` -> int64 ``[B, horizon]``: ``t[:, -1] + h *
    step_seconds`` for ``h = 1 .. horizon``. Raises ValueError when ``horizon`` or
    ``step_seconds`` is below 1."""

    def __init__(self, horizon: int, step_seconds: int, **kwargs):
        super().__init__(**kwargs)
        if horizon < 1 or step_seconds < 1:
            raise ValueError(f"horizon and step_seconds must be at least 1, not {horizon}, "
                             f"{step_seconds}")
        self.horizon, self.step_seconds = int(horizon), int(step_seconds)

    def call(self, seconds):
        ahead = ops.arange(1, self.horizon + 1, dtype="int64") * self.step_seconds
        return ops.cast(seconds[:, -1:], "int64") + ahead[None, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon)

    def compute_output_spec(self, seconds):
        return keras.KerasTensor((seconds.shape[0], self.horizon), dtype="int64")

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon,
                "step_seconds": self.step_seconds}
