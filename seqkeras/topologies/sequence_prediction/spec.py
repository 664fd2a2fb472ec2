"""The sequence_prediction pipeline schema: the time-series layout (``data.series``) and
the forecaster (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field, model_validator

from seqkeras.spec import (DataSpec, PipelineSpec, Problem, RecurrentModel, not_applicable)
from seqkeras.spec.sections import Section


class SeriesSpec(Section):
    """Time-indexed data: which columns are time, inputs, targets."""

    #: The timestamp column, or several columns combined (e.g. [year, month, day, hour]).
    time: Union[str, list[str]]
    #: strptime format of a single time column (None: let pandas parse it).
    time_format: Optional[str] = None
    #: Expected spacing of the rows as a pandas offset ("1h", "1D"); None infers it.
    frequency: Optional[str] = None
    #: Columns the model reads besides the targets (numbers or categoricals).
    features: list[str] = []
    #: Columns to forecast (also fed as inputs).
    targets: list[str] = Field(min_length=1)
    #: Feature columns holding categories (strings), one-hot encoded.
    categorical: list[str] = []
    #: How missing values and missing time steps are filled; the count is reported.
    missing: Literal["interpolate", "ffill", "drop", "zero"] = "interpolate"
    #: Steps of history the model sees, and steps ahead it forecasts.
    lookback: int = Field(24, ge=1, le=100_000)
    horizon: int = Field(1, ge=1, le=10_000)
    #: Distance between consecutive training windows (1: every possible window).
    stride: int = Field(1, ge=1, le=100_000)
    #: Steps in one season for the seasonal-naive baseline (24 hourly, 365 daily).
    seasonal_period: Optional[int] = Field(None, ge=1, le=1_000_000)
    #: Training loss on the normalized targets: mse (squared error) or mae (absolute error).
    loss: Literal["mse", "mae"] = "mse"
    #: What the network outputs: ``residual_naive`` (the default) the change from the last
    #: observed value, added back in the graph, so the model starts from persistence
    #: (``seqkeras/layers/naive_residual.py``); ``none`` the target values. The default is
    #: measured: on three series nobody tuned for it turned two losses to the linear AR
    #: baseline into wins and cut co2's MAE from 4.22 to 1.07 ppm, and kept the tuned
    #: melbourne_temp / beijing_pm25 within noise (benchmarks/RESULTS.md, baselines).
    target_transform: Literal["none", "residual_naive"] = "residual_naive"

    @model_validator(mode="after")
    def _columns_have_one_role(self):
        both = sorted(set(self.targets) & set(self.categorical))
        if both:
            raise ValueError(f"target(s) {both} are also categorical; targets must be numeric")
        times = [self.time] if isinstance(self.time, str) else self.time
        clash = sorted(set(times) & set(self.features + self.targets + self.categorical))
        if clash:
            raise ValueError(f"time column(s) {clash} cannot also be features or targets")
        return self


class SeriesData(DataSpec):
    """The ``data`` section of forecasting: the shared sources and split plus the required
    ``series`` layout (time, targets, features, lookback, horizon)."""

    #: The time-series layout of the sources.
    series: SeriesSpec


class SequencePredictionModel(RecurrentModel):
    """Window of normalized features -> recurrent stack -> Dense(horizon x targets)."""


class SequencePredictionPipeline(PipelineSpec):
    """A sequence prediction (forecasting) pipeline: ``lookback`` steps of features in, the
    next ``horizon`` steps of the targets out."""

    topology: Literal["sequence_prediction"] = "sequence_prediction"
    data: SeriesData
    model: SequencePredictionModel = SequencePredictionModel()

    #: compile: data.series.loss (mse or mae) and MeanAbsoluteError named "mae".
    METRICS = {"loss": "min", "mae": "min"}
    #: the MAE in original units on the val windows after every epoch (``epoch_callbacks``)
    VAL_METRICS = {"forecast_mae": "min"}
    SELECTION = "val_forecast_mae"


#: Shared keys a time series does not read: its records are rows split by time.
NOT_READ = ("tokenize", "data.max_records_per_split", "data.split_values", "data.max_chars",
            "data.sources[].text_field", "data.sources[].label_field",
            "data.sources[].split_field", "data.sources[].label", "data.sources[].split")


def validate(spec: SequencePredictionPipeline) -> list[Problem]:
    """Rules across sections of a forecasting spec. Returns the problems found (empty: valid)."""
    return not_applicable(spec, NOT_READ, "a time series is read by data.series and split "
                                          "by time")
