"""The forecasting baselines: the linear autoregressive model beside persistence and
seasonal-naive, on the same windows, and the val MAE callback in original units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqkeras.topologies.sequence_prediction.baseline import forecasting_baseline
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep
from seqkeras.topologies.sequence_prediction.topology import SequencePrediction
from tests.topologies.sequence_prediction.helpers import series_spec


def seasonal_records(n, start=0, context=0):
    """y = trend + a season of 12 steps (no noise): a linear model on 24 lags is exact."""
    out = []
    for i in range(start - context, start + n):
        out.append({"time": pd.Timestamp("2020-01-01").isoformat(), "step": i,
                    "context": i < start,
                    "values": {"y": 100 + 0.5 * i + 10 * np.sin(2 * np.pi * i / 12)}})
    return out


def prep_for(records, lookback, horizon):
    y = np.array([r["values"]["y"] for r in records])
    return SeriesPrep(["y"], [], ["y"], np.array([y.mean()]), np.array([y.std()]), {},
                      lookback, horizon)


def test_linear_ar_beats_naive_and_seasonal_naive_on_trend_and_season():
    spec = series_spec("unused.csv", lookback=24, horizon=3, seasonal_period=12)
    train = seasonal_records(300)
    val, test = seasonal_records(60, 300, 24), seasonal_records(60, 360, 24)
    prep = prep_for(train, 24, 3)
    result = forecasting_baseline(spec, prep, train, val, test)
    found = {s.prefix: s for s in result.scores}
    assert "linear" in found["baseline"].name  # the strongest of the three is the headline
    assert found["baseline"].value < 0.05 < found["seasonal_naive"].value  # the trend
    assert found["seasonal_naive"].value < found["naive"].value
    assert result.metrics["naive_test_mae"] == found["naive"].value
    off = forecasting_baseline(spec.with_overrides({"baseline.enabled": False}), prep,
                               train, val, test)
    assert {s.prefix for s in off.scores} == {"baseline", "naive"}
    assert all("linear" not in s.name for s in off.scores)


def test_val_forecast_mae_is_in_original_units():
    spec = series_spec("unused.csv", lookback=4, horizon=2)
    train, val = seasonal_records(80), seasonal_records(30, 80, 4)
    prep = prep_for(train, 4, 2)
    topology = SequencePrediction()
    model = topology.build_model(spec, prep)
    [callback] = topology.epoch_callbacks(spec, prep, val)
    callback.set_model(model)
    logs = {}
    callback.on_epoch_end(0, logs)
    # an untrained model answers near the training mean: an error of the series' scale
    assert logs["val_forecast_mae"] == pytest.approx(
        logs["val_forecast_mae"]) and logs["val_forecast_mae"] > 1.0
