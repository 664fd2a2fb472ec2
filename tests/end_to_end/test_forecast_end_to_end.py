"""sequence_prediction end to end: all six stages on the first 1500 hours of the real
Beijing PM2.5 data, then the export as TF Serving sees it and ``seqkeras predict``."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest

from seqkeras.constants import PARITY_FILE
from seqkeras.runner import run_pipeline
from seqkeras.serving.check import check_serving
from seqkeras.serving.predict import predict
from seqkeras.stages import STAGE_NAMES
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep
from tests.pipeline_helpers import require_shared, workdir  # noqa: F401

pytestmark = pytest.mark.slow

LOOKBACK, HORIZON = 24, 6


def beijing_slice(tmp, rows=1500, bad_row=700):
    """The first ``rows`` rows of pollution.csv, one pm2.5 value made unparseable."""
    frame = pd.read_csv(require_shared("timeseries/pollution.csv"), dtype=str,
                        keep_default_na=False, nrows=rows)
    frame.loc[bad_row, "pm2.5"] = "bad"
    path = tmp / "slice" / "pollution_head.csv"
    path.parent.mkdir()
    frame.to_csv(path, index=False)
    return frame, path


def spec_text(path) -> str:
    return f"""
name: beijing_tiny
topology: sequence_prediction
seed: 5
data:
  sources:
    - path: {path}
  series:
    time: [year, month, day, hour]
    frequency: 1h
    targets: [pm2.5]
    features: [DEWP, TEMP, PRES, cbwd, Iws]
    categorical: [cbwd]
    missing: interpolate
    lookback: {LOOKBACK}
    horizon: {HORIZON}
    seasonal_period: 24
  split: {{val: 0.15, test: 0.15}}
model:
  cell: gru
  units: 8
train:
  epochs: 2
  batch_size: 32
  steps_per_epoch: 4
  early_stopping: null
export:
  parity_examples: 8
"""


def test_forecast_pipeline_trains_exports_and_serves(workdir):  # noqa: F811
    frame, csv_path = beijing_slice(workdir)
    spec_path = workdir / "pipelines" / "beijing_tiny.yaml"
    spec_path.parent.mkdir()
    spec_path.write_text(spec_text(csv_path))

    report = run_pipeline(spec_path)
    assert report.ran == STAGE_NAMES
    data = workdir / "data" / "beijing_tiny"

    # ingest: the NA gaps are counted, the bad value is a reject with its line number
    stats = json.loads((data / "ingest/stats.json").read_text())
    assert stats["missing"]["values_per_column"]["pm2.5"] == int((frame["pm2.5"] == "NA").sum())
    assert stats["rejected"] == 1 and stats["missing"]["time_steps"] == 1  # its hour is a gap
    (reject,) = [json.loads(x) for x in (data / "ingest/rejects.jsonl").read_text().splitlines()]
    assert reject["line"] == 702 and "not a number in column 'pm2.5'" in reject["reason"]
    assert reject["file"] == str(csv_path)

    # test metrics: per step for the model and both baselines, on the same windows
    metrics = json.loads((data / "train/metrics.json").read_text())
    for prefix in ("", "naive_", "seasonal_naive_"):
        for h in range(1, HORIZON + 1):
            assert np.isfinite(metrics[f"test_{prefix}mae_step_{h}"])
            assert metrics[f"test_{prefix}rmse_step_{h}"] >= metrics[f"test_{prefix}mae_step_{h}"]
    assert metrics["test_skill_vs_naive"] == pytest.approx(
        metrics["test_mae"] / metrics["test_naive_mae"])
    # persistence at the last step, recomputed here from the test records
    test = [json.loads(x) for x in (data / "ingest/test.jsonl").read_text().splitlines()]
    y = np.array([r["values"]["pm2.5"] for r in test])
    first = next(i for i, r in enumerate(test) if not r.get("context"))
    errors = [abs(y[t] - y[t + HORIZON]) for t in range(first - 1, len(test) - HORIZON)
              if "imputed" not in test[t + HORIZON]]
    assert metrics[f"test_naive_mae_step_{HORIZON}"] == pytest.approx(np.mean(errors))

    # TF's C++ loader loads the export, replays warmup and matches the Keras model
    served = check_serving(workdir / "models/beijing_tiny")
    assert served["ok"] and served["disallowed_ops"] == [] and served["warmup_requests"] >= 1
    signature = served["signatures"]["serving_default"]
    # calendar: auto (the default) adds the window's Unix seconds, hourly: three cycles
    assert set(signature["inputs"]) == {"pm2_5", "DEWP", "TEMP", "PRES", "Iws", "cbwd",
                                        "timestamp"}
    assert set(signature["outputs"]) == {"forecast", "target_names"}
    assert served["parity"]["ok"] and served["parity"]["examples"] == 8

    # the served forecasts are in original units: recompute them from the raw windows with
    # the trained model and the train-span statistics, outside the graph
    parity = json.loads((workdir / "models/beijing_tiny/1/assets.extra" / PARITY_FILE).read_text())
    prep_file = data / "tokenize/series_preprocessor.json"
    prep = SeriesPrep.from_json(json.loads(prep_file.read_text()))
    names = prep.input_names
    numeric = np.stack([np.array(parity["inputs"][names[c]], np.float64) for c in prep.numeric], -1)
    categorical = np.stack([np.array(parity["inputs"][names[c]], object)
                            for c in prep.categorical], -1)
    assert numeric.shape == (8, LOOKBACK, 5)
    assert set(categorical.ravel()) <= {"NW", "NE", "SE", "cv"}
    assert prep.calendar == ["hour_of_day", "day_of_week", "day_of_year"]
    seconds = np.array(parity["inputs"]["timestamp"], np.int64)
    assert np.all(np.diff(seconds, axis=1) == 3600)
    model = keras.models.load_model(data / "train/model.keras")
    expected = prep.denormalize(model.predict(
        {"window": prep.encode(numeric, categorical), "timestamp": seconds}, verbose=0))
    forecast = np.array(parity["outputs"]["forecast"])
    assert forecast.shape == (8, HORIZON, 1)
    np.testing.assert_allclose(forecast, expected, rtol=1e-4, atol=1e-3)
    assert abs(forecast.mean() - prep.mean[0]) < 3 * prep.std[0] and forecast.mean() > 10

    # seqkeras predict: a CSV window cut from the data file
    window = workdir / "window.csv"
    frame.iloc[1000:1000 + LOOKBACK + 5].to_csv(window, index=False)
    lines = predict(workdir / "models/beijing_tiny", [str(window)])
    assert lines[0] == f"window 1 ({window}): forecast for the next {HORIZON} steps"
    assert len(lines) == 2 + HORIZON and lines[-1].split()[0] == f"+{HORIZON}"

    # MLflow: ingest counts, test metrics and both forecast plots
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns/mlflow.db'}")
    run = mlflow.get_run(report.run_id)
    missing_pm = stats["missing"]["values_per_column"]["pm2.5"]
    assert run.data.metrics["ingest_missing_pm2.5"] == missing_pm
    assert run.data.metrics["ingest_missing_time_steps"] == 1
    assert f"test_mae_step_{HORIZON}" in run.data.metrics
    artifacts = workdir / "mlruns" / "beijing_tiny" / report.run_id / "artifacts"
    for name in ("train/forecast_vs_actual.png", "train/error_by_horizon.png",
                 "ingest/series.png", "tokenize/series_preprocessor.json"):
        assert (artifacts / name).exists(), name
