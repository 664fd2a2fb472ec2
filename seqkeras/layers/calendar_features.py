"""Calendar features computed in the graph from Unix timestamps, in a time zone's local time.

Many series follow the clock (traffic by hour of day and day of week, temperature by day
of year). Giving the network the position in each cycle as a sin/cos pair (a point on
the unit circle, so 23:00 is next to 00:00) is the usual encoding of such seasonal
regressors (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
2021, 7.4 and 12.1: Fourier terms). Computing it inside the model from the raw
timestamp means the served model takes the same input a client has (seconds since
1970-01-01 UTC) and nobody re-implements the features in front of it.

Local time: the UTC offset of the time zone is a step function of time (its DST rules);
it is held as constant transition instants and offsets (``seqkeras.topologies.
sequence_prediction.calendar.utc_offsets``), so only elementwise core ops run: no time
zone database is needed by TF Serving. Civil dates from day numbers follow H. Hinnant's
``civil_from_days`` (http://howardhinnant.github.io/date_algorithms.html).
"""

from __future__ import annotations

import math

import keras
from keras import ops

#: The features, each a sin/cos pair in this order of the output.
CALENDAR_FEATURES = ("hour_of_day", "day_of_week", "day_of_year", "month")


def civil_from_days(days):
    """(year, month 1-12, day of year 1-366) of day numbers since 1970-01-01 (float64
    tensors of whole numbers; proleptic Gregorian calendar)."""
    z = days + 719468.0
    era = ops.floor(z / 146097.0)
    doe = z - era * 146097.0                                              # [0, 146096]
    yoe = ops.floor((doe - ops.floor(doe / 1460.0) + ops.floor(doe / 36524.0)
                     - ops.floor(doe / 146096.0)) / 365.0)                # [0, 399]
    doy_march = doe - (365.0 * yoe + ops.floor(yoe / 4.0) - ops.floor(yoe / 100.0))
    mp = ops.floor((5.0 * doy_march + 2.0) / 153.0)                       # March = 0
    month = ops.where(mp < 10.0, mp + 3.0, mp - 9.0)
    year = yoe + era * 400.0 + ops.cast(month <= 2.0, "float64")
    leap = ((ops.mod(year, 4.0) == 0) & (ops.mod(year, 100.0) != 0)) | (ops.mod(year, 400.0) == 0)
    # day of year: days since March 1 of the March-based year, shifted to January 1
    days_jan_feb = 31.0 + 28.0 + ops.cast(leap, "float64")
    day_of_year = ops.where(month <= 2.0, doy_march - 306.0, doy_march + days_jan_feb) + 1.0
    return year, month, day_of_year, leap


@keras.saving.register_keras_serializable(package="seqkeras")
class CalendarFeatures(keras.layers.Layer):
    """Unix seconds (int64, or float64: any number type) ``[B, L]`` -> float32 ``[B, L, 2 * len(features)]``: for each
    of ``features`` (names in ``CALENDAR_FEATURES``), sin and cos of the position in its
    cycle in local time: ``hour_of_day`` (fractional hour / 24), ``day_of_week`` (Monday
    = 0, / 7), ``day_of_year`` ((day - 1) / days in that year), ``month`` ((month - 1) /
    12). Local time is ``t + offset(t)``: ``offsets[0]`` seconds before the first of
    ``transitions`` (sorted Unix seconds), ``offsets[i + 1]`` from ``transitions[i]`` on
    (one offset and no transitions: a fixed zone such as UTC). Raises ValueError for an
    unknown feature or when ``len(offsets) != len(transitions) + 1``."""

    def __init__(self, features, transitions=(), offsets=(0.0,), **kwargs):
        kwargs.setdefault("dtype", "float64")  # seconds since 1970 need float64
        super().__init__(**kwargs)
        unknown = sorted(set(features) - set(CALENDAR_FEATURES))
        if unknown or not features:
            raise ValueError(f"calendar features {unknown or '[]'}: choose from "
                             f"{list(CALENDAR_FEATURES)}")
        if len(offsets) != len(transitions) + 1:
            raise ValueError(f"{len(offsets)} offsets for {len(transitions)} transitions; "
                             "need one more offset than transitions")
        self.features = list(features)
        self.transitions = [float(t) for t in transitions]
        self.offsets = [float(o) for o in offsets]

    def local_seconds(self, seconds):
        """Local wall-clock seconds since 1970-01-01 00:00 of float64 Unix seconds."""
        offset = ops.full_like(seconds, self.offsets[0])
        if self.transitions:
            instants = ops.convert_to_tensor(self.transitions, "float64")
            steps = ops.convert_to_tensor(
                [b - a for a, b in zip(self.offsets[:-1], self.offsets[1:])], "float64")
            after = ops.cast(ops.expand_dims(seconds, -1) >= instants, "float64")
            offset = offset + ops.sum(after * steps, axis=-1)
        return seconds + offset

    def call(self, seconds):
        local = self.local_seconds(ops.cast(seconds, "float64"))
        days = ops.floor(local / 86400.0)
        _, month, day_of_year, leap = civil_from_days(days)
        fraction = {
            "hour_of_day": (local - days * 86400.0) / 86400.0,
            "day_of_week": ops.mod(days + 3.0, 7.0) / 7.0,   # 1970-01-01 was a Thursday
            "day_of_year": (day_of_year - 1.0) / (365.0 + ops.cast(leap, "float64")),
            "month": (month - 1.0) / 12.0,
        }
        parts = []
        for name in self.features:
            angle = 2.0 * math.pi * fraction[name]
            parts += [ops.sin(angle), ops.cos(angle)]
        return ops.cast(ops.stack(parts, axis=-1), "float32")

    def compute_output_shape(self, input_shape):
        return (*input_shape, 2 * len(self.features))

    def compute_output_spec(self, seconds):
        return keras.KerasTensor((*seconds.shape, 2 * len(self.features)), dtype="float32")

    def get_config(self):
        return {**super().get_config(), "features": self.features,
                "transitions": self.transitions, "offsets": self.offsets}
