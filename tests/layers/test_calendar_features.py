"""seqkeras.layers.calendar_features: sin/cos of hour of day, day of week, day of year
and month computed in the graph from Unix seconds agree with pandas' calendar, in UTC and
in a time zone across its DST changes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from seqkeras.layers.calendar_features import CALENDAR_FEATURES, CalendarFeatures
from seqkeras.topologies.sequence_prediction.calendar import unix_seconds, utc_offsets
from tests.layers.layer_testing import run_layer_test


def pandas_features(local: pd.DatetimeIndex) -> np.ndarray:
    """The same features from pandas' own calendar of local wall-clock times."""
    fraction = {
        "hour_of_day": (local.hour + local.minute / 60 + local.second / 3600) / 24,
        "day_of_week": local.dayofweek / 7,
        "day_of_year": (local.dayofyear - 1) / np.where(local.is_leap_year, 366, 365),
        "month": (local.month - 1) / 12,
    }
    return np.stack([f(2 * math.pi * np.asarray(fraction[name], float))
                     for name in CALENDAR_FEATURES for f in (np.sin, np.cos)], -1)


def seconds_of(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("s").asi8


@pytest.mark.parametrize("zone, instants", [
    ("UTC", ["1970-01-01 00:00", "2000-02-29 23:59:59", "2021-12-31 12:30", "2024-03-01 06:00",
             "1969-12-31 18:00", "2100-03-01 00:00"]),
    # Berlin's DST changes in 2021: 28 March 01:00 UTC (+1 -> +2), 31 October 01:00 UTC
    ("Europe/Berlin", ["2021-03-27 23:30", "2021-03-28 00:59:59", "2021-03-28 01:00",
                       "2021-10-31 00:59", "2021-10-31 01:00", "2021-12-31 23:30"]),
    ("America/New_York", ["2021-03-14 06:59", "2021-03-14 07:00", "2021-11-07 05:30",
                          "2021-11-07 06:30", "2020-02-29 04:59", "2020-02-29 05:00"]),
])
def test_features_match_pandas_local_time(zone, instants):
    utc = pd.DatetimeIndex(instants).tz_localize("UTC")
    transitions, offsets = utc_offsets(zone)
    seconds = seconds_of(utc).reshape(2, 3)
    out = run_layer_test(CalendarFeatures, {"features": list(CALENDAR_FEATURES),
                                            "transitions": list(transitions),
                                            "offsets": list(offsets), "name": "cal"},
                         seconds, expected_output_shape=(2, 3, 8), expected_num_weights=0)
    assert out.dtype == np.float32
    expected = pandas_features(utc.tz_convert(zone).tz_localize(None)).reshape(2, 3, 8)
    np.testing.assert_allclose(out, expected, atol=2e-6)


def test_dst_change_moves_the_local_hour():
    """Two instants one hour apart across Berlin's spring change read 01:30 and 03:30."""
    transitions, offsets = utc_offsets("Europe/Berlin")
    layer = CalendarFeatures(["hour_of_day"], transitions, offsets)
    utc = pd.DatetimeIndex(["2021-03-28 00:30", "2021-03-28 01:30"]).tz_localize("UTC")
    sin, cos = np.asarray(layer(seconds_of(utc)[None]))[0].T
    hours = (np.arctan2(sin, cos) / (2 * math.pi) * 24) % 24
    np.testing.assert_allclose(hours, [1.5, 3.5], atol=1e-4)


def test_unix_seconds_reads_local_wall_clock():
    # the skipped hour (02:00 on 28 March, inserted as a missing step) moves forward
    seconds = unix_seconds(["2021-03-28T01:00:00", "2021-03-28T02:00:00",
                            "2021-03-28T03:00:00"], "Europe/Berlin")
    expected = pd.DatetimeIndex(["2021-03-28 00:00", "2021-03-28 01:00", "2021-03-28 01:00"])
    np.testing.assert_array_equal(seconds, seconds_of(expected))
    assert utc_offsets("UTC") == ((), (0.0,))


def test_checks_its_settings():
    with pytest.raises(ValueError, match="choose from"):
        CalendarFeatures(["minute"])
    with pytest.raises(ValueError, match="one more offset"):
        CalendarFeatures(["month"], [0.0], [0.0])
