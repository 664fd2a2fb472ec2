"""Every forecasting target transform, the log scale and calendar features (in a time
zone, across a DST change) through all six stages on a tiny synthetic hourly series: the
export loads in TF's C++ loader, passes the op allowlist and answers as the Keras model
did (``check_serving`` parity), and ``seqkeras predict`` reads a window CSV with its time
column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from seqkeras.serving.predict import predict
from tests.pipeline_helpers import assert_serves, run_all_stages, workdir  # noqa: F401

pytestmark = pytest.mark.slow

HOURS = 400


def write_series(root):
    """Hourly y = 30 + 10 sin(day) + trend + noise, timestamps with Berlin's UTC offsets
    (the spring change on 2021-03-28 falls inside), and one categorical feature."""
    utc = pd.date_range("2021-03-20", periods=HOURS, freq="h", tz="UTC")
    local = utc.tz_convert("Europe/Berlin")
    rng = np.random.default_rng(3)
    y = 30 + 10 * np.sin(2 * np.pi * local.hour / 24) + np.arange(HOURS) * 0.01 \
        + rng.normal(0, 0.5, HOURS)
    frame = pd.DataFrame({"when": [t.isoformat() for t in local], "y": y.round(3),
                          "wind": np.where(np.arange(HOURS) % 3, "N", "S")})
    path = root / "series.csv"
    frame.to_csv(path, index=False)
    return frame, path


@pytest.mark.parametrize("name, series, inputs", [
    ("plain", {"target_transform": "none", "calendar": []}, {"y", "wind"}),
    # calendar: auto (the default) adds the timestamp input
    ("seasonal_log", {"target_transform": "residual_seasonal_naive", "target_scale": "log"},
     {"y", "wind", "timestamp"}),
    ("difference", {"target_transform": "difference", "calendar_ahead": True},
     {"y", "wind", "timestamp"}),
    ("auto_calendar", {"target_transform": "auto", "time_zone": "Europe/Berlin",
                       "calendar": ["hour_of_day", "day_of_week"]}, {"y", "wind", "timestamp"}),
])
def test_transform_exports_and_serves_like_the_keras_model(workdir, name, series,  # noqa: F811
                                                            inputs):
    frame, path = write_series(workdir)
    extra = "".join(f"\n    {k}: {json.dumps(v)}" for k, v in series.items())
    run_all_stages(workdir, name, f"""
name: {name}
topology: sequence_prediction
seed: 3
data:
  sources:
    - path: {path}
  series:
    time: when
    frequency: 1h
    targets: [y]
    features: [wind]
    categorical: [wind]
    lookback: 24
    horizon: 6
    seasonal_period: 24{extra}
  split: {{val: 0.2, test: 0.2}}
model: {{cell: gru, units: 4}}
train: {{epochs: 1, batch_size: 32, steps_per_epoch: 3, early_stopping: null}}
baseline: {{enabled: false}}
export: {{parity_examples: 4}}
""")
    report = assert_serves(workdir / "models" / name, inputs, 4)
    assert report["parity"]["ok"]
    stats = json.loads((workdir / "data" / name / "ingest/stats.json").read_text())
    if series["target_transform"] == "auto":  # a daily cycle: seasonal naive wins on val
        assert stats["target_transform"]["chosen"] == "residual_seasonal_naive"
    window = workdir / "window.csv"
    frame.iloc[100:130].to_csv(window, index=False)
    lines = predict(workdir / "models" / name, [str(window)])
    assert len(lines) == 2 + 6
    forecast = [float(line.split()[1]) for line in lines[2:]]
    assert all(5 < v < 60 for v in forecast), forecast
