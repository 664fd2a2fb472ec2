"""sequence_prediction target transforms, log scale and calendar features: a network
whose output layer is zero forecasts its baseline exactly, ``auto`` picks the better
baseline on val, the checks at validate and ingest time, the time zone, and the served
graph computing the same as the Keras model (``transforms.py``, ``serving.py``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pydantic
import pytest

from seqkeras.errors import DataError
from seqkeras.topologies.sequence_prediction.baselines import (naive_forecast,
                                                               seasonal_naive_forecast)
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep, split_arrays
from seqkeras.topologies.sequence_prediction.topology import SequencePrediction
from seqkeras.topologies.sequence_prediction.transforms import choose_transform
from tests.topologies.sequence_prediction.helpers import hourly, series_spec

LOOKBACK, HORIZON, PERIOD = 6, 4, 3


def records_of(y, times=None) -> list[dict]:
    times = times or hourly(len(y))
    return [{"time": pd.Timestamp(t).isoformat(), "step": i, "values": {"y": float(v)}}
            for i, (t, v) in enumerate(zip(times, y))]


def prep_for(transform="none", scale="none", calendar=(), zone="UTC") -> SeriesPrep:
    return SeriesPrep(["y"], [], ["y"], np.array([20.0]), np.array([4.0]), {}, LOOKBACK,
                      HORIZON, transform, scale, PERIOD, list(calendar), zone)


def zero_output_model(spec, prep):
    model = SequencePrediction().build_model(spec, prep)
    dense = model.get_layer("direct_multi_output")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    return model


@pytest.mark.parametrize("transform, scale", [
    ("residual_naive", "none"), ("difference", "none"), ("residual_seasonal_naive", "none"),
    ("residual_naive", "log"), ("residual_seasonal_naive", "log")])
def test_a_zero_output_network_forecasts_its_baseline_exactly(transform, scale):
    y = 20 + 5 * np.sin(np.arange(40) * 2 * np.pi / PERIOD) + np.arange(40) * 0.3
    records = records_of(y)
    spec = series_spec("unused.csv", lookback=LOOKBACK, horizon=HORIZON,
                       seasonal_period=PERIOD, target_transform=transform)
    prep = prep_for(transform, scale)
    a = split_arrays(prep, records)
    ends = np.arange(LOOKBACK - 1, 40 - HORIZON)
    forecast = prep.denormalize(zero_output_model(spec, prep).predict(
        prep.model_inputs(a, ends), verbose=0))
    if transform == "residual_seasonal_naive":
        expected, ok = seasonal_naive_forecast(a.numeric, a.steps, ends, HORIZON, PERIOD)
        assert ok.all()
    else:  # residual over persistence, and zero differences summed onto the last value
        expected = naive_forecast(a.numeric, ends, HORIZON)
    np.testing.assert_allclose(forecast, expected, rtol=1e-5)


def test_the_ingest_stage_tags_the_choices(data_root, tmp_path, monkeypatch):
    """The MLflow run carries the resolved transform and calendar as tags."""
    import mlflow

    from seqkeras.runner import run_pipeline

    write_series(data_root, 50 + 10 * np.sin(np.arange(120) * 2 * np.pi / PERIOD), hourly(120))
    spec = tmp_path / "auto.yaml"
    spec.write_text(f"""
name: auto
topology: sequence_prediction
data:
  sources: [{{path: s.csv}}]
  series: {{time: ts, targets: [y], lookback: {LOOKBACK}, horizon: {HORIZON},
           seasonal_period: {PERIOD}, target_transform: auto, calendar: [month]}}
  split: {{val: 0.2, test: 0.2}}
""")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    report = run_pipeline(spec, stage="tokenize")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlruns/mlflow.db'}")
    tags = mlflow.get_run(report.run_id).data.tags
    assert tags["data.series.target_transform"] == "residual_seasonal_naive"
    assert tags["data.series.calendar"] == "month"


def test_auto_picks_the_baseline_that_wins_on_val():
    series = series_spec("unused.csv", lookback=LOOKBACK, horizon=HORIZON,
                         seasonal_period=PERIOD, target_transform="auto").data.series
    seasonal = records_of(10 * np.sin(np.arange(60) * 2 * np.pi / PERIOD))
    chosen = choose_transform(series, seasonal)
    assert chosen["chosen"] == "residual_seasonal_naive"
    assert chosen["val_seasonal_naive_mae"] < 1e-9 < chosen["val_naive_mae"]
    walk = records_of(np.cumsum(np.random.default_rng(1).normal(size=60)))
    assert choose_transform(series, walk)["chosen"] == "residual_naive"
    # without a season that fits the window: residual_naive, and why
    short = series.model_copy(update={"lookback": 2})
    assert "shorter than the season" in choose_transform(short, seasonal)["reason"]
    named = series.model_copy(update={"target_transform": "difference"})
    assert choose_transform(named, seasonal)["chosen"] == "difference"


def write_series(root, y, times) -> None:
    (root / "s.csv").write_text("ts,y\n" + "".join(f"{t},{v}\n" for t, v in zip(times, y)))


def test_auto_is_chosen_at_ingest_logged_and_recorded_for_the_model(data_root, run_ingest,
                                                                    tmp_path):
    y = 50 + 10 * np.sin(np.arange(200) * 2 * np.pi / PERIOD)
    write_series(data_root, y, hourly(200))
    spec = series_spec("s.csv", lookback=LOOKBACK, horizon=HORIZON, seasonal_period=PERIOD,
                       target_transform="auto", calendar="auto", split={"val": 0.2, "test": 0.1})
    _, out = run_ingest(spec)
    import json

    stats = json.loads((out / "stats.json").read_text())
    assert stats["target_transform"]["chosen"] == "residual_seasonal_naive"
    assert stats["calendar"] == ["hour_of_day", "day_of_week", "day_of_year"]  # hourly
    # tokenize reads the choice beside its folder (ingest/stats.json) into the prep
    (tmp_path / "work" / "ingest").mkdir()
    (tmp_path / "work" / "ingest" / "stats.json").write_text(json.dumps(stats))
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    topology, prep_dir = SequencePrediction(), tmp_path / "work" / "tokenize"
    prep_dir.mkdir()
    summary = topology.fit_preprocessor(spec, train, prep_dir)
    assert summary["target_transform"] == "residual_seasonal_naive"
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    assert type(model.get_layer("forecast")).__name__ == "SeasonalNaiveResidual"
    assert prep.calendar == stats["calendar"] and model.get_layer("calendar").features == \
        stats["calendar"]
    assert sorted(i.name for i in model.inputs) == ["timestamp", "window"]


@pytest.mark.parametrize("frequency, features", [
    ("1h", ["hour_of_day", "day_of_week", "day_of_year"]), ("1D", ["day_of_week", "day_of_year"]),
    ("7D", ["day_of_year"]), ("W-SUN", ["day_of_year"]), ("MS", ["month"]), ("YS", [])])
def test_calendar_auto_follows_the_frequency(frequency, features):
    from seqkeras.topologies.sequence_prediction.calendar import auto_calendar

    assert auto_calendar(frequency) == features


@pytest.mark.parametrize("frequency, constant", [
    ("1h", []), ("1D", ["hour_of_day"]), ("7D", ["hour_of_day", "day_of_week"]),
    ("W-SUN", ["hour_of_day", "day_of_week"]), ("MS", ["hour_of_day"]),
    ("YS", ["hour_of_day", "day_of_year", "month"]), ("30min", [])])
def test_calendar_features_a_frequency_cannot_vary_are_named(frequency, constant):
    # an explicit hour_of_day on a daily series is a constant input: ingest warns
    from seqkeras.topologies.sequence_prediction.calendar import constant_features

    every = ["hour_of_day", "day_of_week", "day_of_year", "month"]
    assert constant_features(every, frequency) == constant


def test_log_scale_refuses_a_negative_target_at_ingest(data_root, run_ingest):
    y = np.r_[np.ones(30), -2.5, np.ones(29)]
    write_series(data_root, y, hourly(60))
    spec = series_spec("s.csv", lookback=2, horizon=1, target_scale="log",
                       split={"val": 0.2, "test": 0.2})
    with pytest.raises(DataError, match="target column 'y' has the negative value -2.5 at "
                                        "2020-01-02T06:00:00"):
        run_ingest(spec)


@pytest.mark.parametrize("series, key, phrase", [
    ({"target_transform": "residual_seasonal_naive"}, "seasonal_period", "needs data.series"),
    ({"target_transform": "residual_seasonal_naive", "seasonal_period": 24, "lookback": 12},
     "lookback", "must be at least data.series.seasonal_period (24)"),
    ({"time_zone": "Europe/Berlln"}, "time_zone", "'Europe/Berlln' is not an IANA time zone"),
    ({"calendar": ["month", "month"]}, "calendar", "lists a feature twice"),
    ({"calendar": ["minute_of_hour"]}, "calendar", "hour_of_day"),
])
def test_bad_combinations_are_refused_at_validate_time(series, key, phrase):
    with pytest.raises(pydantic.ValidationError, match=re.escape(phrase)) as info:
        series_spec("unused.csv", **series)
    assert any(key in ".".join(map(str, e["loc"])) or key in e["msg"]
               for e in info.value.errors())


def test_time_zone_puts_offset_timestamps_on_the_local_clock(data_root, run_ingest):
    """Across Berlin's DST change: +01:00 then +02:00 stamps are one hour apart in UTC and
    land on the local clock (01:00, 03:00: the skipped 02:00 is a missing step)."""
    times = ["2021-03-28T00:00:00+01:00", "2021-03-28T01:00:00+01:00",
             "2021-03-28T03:00:00+02:00", "2021-03-28T04:00:00+02:00",
             "2021-03-28T05:00:00+02:00", "2021-03-28T06:00:00+02:00"]
    write_series(data_root, [1, 2, 3, 4, 5, 6], times)
    spec = series_spec("s.csv", time_zone="Europe/Berlin", frequency="1h")
    summary, out = run_ingest(spec)
    import json

    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert [r["time"][11:16] for r in train] == ["00:00", "01:00", "02:00", "03:00", "04:00",
                                                "05:00", "06:00"]
    assert train[2]["imputed"] == ["y"] and train[2]["values"]["y"] == 2.5
    assert summary["missing_time_steps"] == 1


def test_served_graph_takes_raw_values_and_timestamps(tmp_path):
    """Log scale, a seasonal residual and calendar features in Berlin time: the serving
    function on raw columns equals the Keras model on the encoded windows, in original
    units, and predict reads the timestamps from a window CSV's time column."""
    import tensorflow as tf

    from seqkeras.topologies.sequence_prediction import serving

    times = [str(t) for t in pd.date_range("2021-03-27 20:00", periods=30, freq="h")]
    y = 20 + 5 * np.sin(np.arange(30) * 2 * np.pi / PERIOD)
    records = records_of(y, times)
    spec = series_spec("unused.csv", lookback=LOOKBACK, horizon=HORIZON,
                       seasonal_period=PERIOD, target_transform="residual_seasonal_naive",
                       target_scale="log", calendar=["hour_of_day", "day_of_week"],
                       time_zone="Europe/Berlin")
    prep = prep_for("residual_seasonal_naive", "log", ["hour_of_day", "day_of_week"],
                    "Europe/Berlin")
    prep.mean, prep.std = np.array([3.0]), np.array([0.2])
    prep.step_seconds = 3600  # calendar_ahead: the calendar of the hours forecast too
    topology = SequencePrediction()
    model = topology.build_model(spec, prep)
    assert model.get_layer("calendar_ahead").output.shape == (None, HORIZON, 4)
    (fn, signature), = topology.serving_endpoints(spec, prep, model).values()
    assert [(s.name, s.dtype.name) for s in signature] == [("y", "float32"),
                                                           ("timestamp", "int64")]
    inputs = topology.example_inputs(records, 4)
    served = fn(*[tf.constant(v) for v in inputs.values()])["forecast"].numpy()
    a = split_arrays(prep, records)
    ends = np.arange(LOOKBACK - 1, 30 - HORIZON)
    pick = ends[np.unique(np.linspace(0, len(ends) - 1, 4).round().astype(int))]
    expected = prep.denormalize(model.predict(prep.model_inputs(a, pick), verbose=0))
    np.testing.assert_allclose(served, expected, rtol=1e-4)

    # predict: the window CSV's time column gives the timestamp input
    window = tmp_path / "w.csv"
    window.write_text("ts,y\n" + "".join(f"{t},{v}\n" for t, v in zip(times[:8], y[:8])))
    topology.use_export_metadata(topology.export_metadata(spec, prep))
    parsed = topology.parse_predict_inputs({s.name: s for s in signature}, [str(window)])
    np.testing.assert_array_equal(parsed["timestamp"][0], prep.seconds(a)[2:8])
    assert parsed["timestamp"].dtype == np.int64
    assert serving.time_reader({}) is None
