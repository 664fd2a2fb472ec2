"""The sequence_prediction pipeline schema: the time-series layout (``data.series``) and
the forecaster (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

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
    #: What the network outputs, inverted in the graph (the served ``forecast`` is in
    #: original units): ``none`` the (normalized) target values; ``residual_naive`` the
    #: change from the last observed value (``seqkeras/layers/naive_residual.py``), so an
    #: untrained model forecasts persistence; ``residual_seasonal_naive`` the change from
    #: the value one ``seasonal_period`` earlier (``seasonal_naive_residual.py``; needs
    #: ``seasonal_period`` and ``lookback >= seasonal_period``), so it starts from the
    #: seasonal-naive forecast; ``difference`` the step-to-step differences, summed onto
    #: the last observed value (``differenced_forecast.py``); ``auto`` the residual over
    #: whichever of seasonal naive and persistence has the lower MAE on the val span
    #: (residual_naive without a usable season), chosen at ingest, printed and logged
    #: (MLflow tag ``data.series.target_transform``). The default is measured on the three
    #: untuned dev series (test MAE, benchmarks/RESULTS.md, "Forecasting target transforms
    #: and calendar features"): residual_naive co2 1.073 / melbourne 2.036 / beijing
    #: 43.71; residual_seasonal_naive 0.903 / n.a. / 48.60; difference 0.733 / 2.052 /
    #: 44.02; none 4.22 on co2; auto chose residual_naive on all three (seasonal naive
    #: loses to persistence on their val spans), so it ties the default, which stays.
    target_transform: Literal["none", "residual_naive", "residual_seasonal_naive",
                              "difference", "auto"] = "residual_naive"
    #: ``log``: the model reads and forecasts log1p of the targets (the served forecast is
    #: expm1 of it: original units), for positive, skewed series (counts, concentrations);
    #: it composes with any ``target_transform``. Ingest refuses a negative target value.
    target_scale: Literal["none", "log"] = "none"
    #: Calendar features computed in the graph from the ``timestamp`` input (Unix
    #: seconds), in ``time_zone`` local time, a sin/cos pair each, appended to every step
    #: of the window: ``hour_of_day``, ``day_of_week``, ``day_of_year``, ``month``;
    #: ``auto``: the cycles the series' frequency can show (``calendar.AUTO_CALENDAR``:
    #: hourly all three of the first, daily week and year, weekly day of year, monthly
    #: month), chosen at ingest and printed; ``[]``: none (no ``timestamp`` input). The
    #: default, measured with residual_naive on the untuned dev series: co2 1.073 ->
    #: 0.401, melbourne 2.036 -> 1.936, beijing 43.71 -> 43.28, each then below the
    #: linear AR (0.402, 2.045, 44.62) and both naive forecasts.
    calendar: Union[Literal["auto"],
                    list[Literal["hour_of_day", "day_of_week", "day_of_year", "month"]]] = "auto"
    #: With calendar features: also give the model the calendar of the ``horizon`` steps
    #: it forecasts (last timestamp + k steps; frequencies of a fixed length only). Off:
    #: measured no better (co2 0.401 -> 0.467, melbourne 1.936 -> 1.951, beijing 43.28
    #: -> 43.21); with a fixed
    #: step the steps' calendar is a shift of the last input step's, which the direct
    #: multi-output layer already reads.
    calendar_ahead: bool = False
    #: IANA time zone (``Europe/Berlin``) of the series' clock: timestamps with UTC
    #: offsets are converted to it, naive ones are taken as in it; the calendar
    #: features use its local time.
    time_zone: str = "UTC"

    @field_validator("time_format")
    @classmethod
    def _known_directives(cls, value):
        if value is None:
            return value
        import datetime

        try:
            datetime.datetime.strptime("", value)
        except ValueError as exc:
            if "bad directive" in str(exc) or "stray %" in str(exc):
                hint = (" (Unix seconds have no strptime directive: write the times as "
                        "ISO 8601 text)") if "%s" in value else ""
                raise ValueError(f"{exc}; use strptime directives such as %Y-%m-%d "
                                 f"%H:%M{hint}") from None
        return value

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

    def source_columns(self) -> list[tuple[tuple, str]]:
        """The time, target, feature and categorical columns of ``data.series``."""
        series, where = self.data.series, ("data", "series")
        times = [series.time] if isinstance(series.time, str) else series.time
        out = [(where + ("time",) + ((i,) if not isinstance(series.time, str) else ()), t)
               for i, t in enumerate(times)]
        for key in ("targets", "features", "categorical"):
            out += [(where + (key, i), c) for i, c in enumerate(getattr(series, key))]
        return out


#: Shared keys a time series does not read: its records are rows split by time.
NOT_READ = ("tokenize", "data.max_records_per_split", "data.split_values", "data.max_chars",
            "data.sources[].text_field", "data.sources[].label_field",
            "data.sources[].split_field", "data.sources[].label", "data.sources[].split")


def validate(spec: SequencePredictionPipeline) -> list[Problem]:
    """Rules across sections of a forecasting spec. Returns the problems found (empty: valid)."""
    problems = not_applicable(spec, NOT_READ, "a time series is read by data.series and split "
                                              "by time")
    series = spec.data.series
    where = ("data", "series")
    if series.target_transform == "residual_seasonal_naive":
        if series.seasonal_period is None:
            problems.append(Problem(where + ("seasonal_period",),
                                    "data.series.target_transform residual_seasonal_naive "
                                    "needs data.series.seasonal_period (steps in one season)"))
        elif series.lookback < series.seasonal_period:
            problems.append(Problem(where + ("lookback",),
                                    f"data.series.target_transform residual_seasonal_naive "
                                    f"reads the value one season back from the window: "
                                    f"data.series.lookback ({series.lookback}) must be at "
                                    f"least data.series.seasonal_period "
                                    f"({series.seasonal_period}); raise lookback or use "
                                    "residual_naive"))
    if series.time_zone != "UTC":
        try:
            zone_info(series.time_zone)
        except ValueError as exc:
            problems.append(Problem(where + ("time_zone",), str(exc)))
    if series.calendar != "auto" and len(set(series.calendar)) != len(series.calendar):
        problems.append(Problem(where + ("calendar",), "lists a feature twice"))
    if series.calendar_ahead:
        if series.calendar == []:
            problems.append(Problem(where + ("calendar_ahead",),
                                    "data.series.calendar_ahead gives the model the calendar "
                                    "of the steps it forecasts, but data.series.calendar is "
                                    "[] (no calendar features): set calendar (or auto) or "
                                    "drop calendar_ahead"))
        elif series.frequency and not fixed_step(series.frequency):
            problems.append(Problem(where + ("calendar_ahead",),
                                    ahead_needs_fixed_step(series.frequency)))
    return problems


def fixed_step(frequency: str) -> bool:
    """Whether a pandas offset (``1h``, ``MS``) has a fixed length (months and years do
    not); an offset pandas does not know counts as fixed (its own check says so)."""
    import pandas as pd

    try:
        pd.Timedelta(pd.tseries.frequencies.to_offset(frequency))
    except ValueError as exc:
        return "Invalid frequency" in str(exc) or "not a valid" in str(exc)
    return True


def ahead_needs_fixed_step(frequency: str) -> str:
    """The message for ``calendar_ahead`` on steps of no fixed length."""
    return (f"data.series.calendar_ahead adds the calendar of the steps ahead as the last "
            f"timestamp + k steps, and the series' frequency {frequency} has no fixed length "
            "(months, years): set calendar_ahead false")


def zone_info(name: str):
    """The ``zoneinfo.ZoneInfo`` of an IANA name; raises ValueError naming it otherwise."""
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone name "
                         "(e.g. UTC, Europe/Berlin, America/New_York)") from None
