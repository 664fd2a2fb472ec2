"""sequence_prediction: time-series ingest (split by time, missing values, rejects),
preprocessing, windows, baselines and metrics, the serving graph; on hand-made series."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pydantic
import pytest

from seqkeras.topologies.sequence_prediction import series as ts
from seqkeras.errors import DataError
from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.sequence_prediction.topology import (SequencePrediction, SeriesPrep, input_name,
                                                     split_arrays)


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def series_spec(path: str, **series) -> PipelineSpec:
    split = series.pop("split", {"val": 0.0, "test": 0.0})
    return PipelineSpec.model_validate({
        "name": "ts", "topology": "sequence_prediction", "seed": 1,
        "data": {"sources": [{"path": path}], "split": split,
                 "series": {"time": "ts", "targets": ["y"], "lookback": 1, "horizon": 1,
                            **series}},
        "model": {"units": 4}, "train": {"batch_size": 4}})


def hourly(n: int, start="2020-01-01 00:00") -> list[str]:
    return [str(t) for t in pd.date_range(start, periods=n, freq="h")]


# ------------------------------------------------------------------ registry
def test_registered_and_input_names():
    assert isinstance(get_topology("sequence_prediction"), SequencePrediction)
    assert input_name("pm2.5") == "pm2_5" and input_name("Temp") == "Temp"
    assert input_name("2nd col") == "c_2nd_col"


# ---------------------------------------------------------- split by time
def write_split_csv(root, n=100):
    """y = i, x = (i * i) % 7, cat cycles a, b; the test span also has an unseen 'c'."""
    times = hourly(n)
    lines = ["ts,y,x,cat"]
    for i, t in enumerate(times):
        cat = "c" if i >= 95 else "ab"[i % 2]
        lines.append(f"{t},{i},{(i * i) % 7},{cat}")
    (root / "s.csv").write_text("\n".join(lines) + "\n")
    return times


def test_time_split_has_no_leakage_and_train_only_statistics(data_root, run_ingest, tmp_path):
    times = write_split_csv(data_root)
    spec = series_spec("s.csv", features=["x", "cat"], categorical=["cat"], lookback=3,
                       horizon=2, split={"val": 0.2, "test": 0.1})
    summary, out = run_ingest(spec)
    splits = {s: read_jsonl(out / f"{s}.jsonl") for s in ("train", "val", "test")}
    own = {s: ts.scored(r) for s, r in splits.items()}
    # 100 steps: test 10, val 20, train 70, in time order
    assert summary["records"] == {"train": 70, "val": 20, "test": 10}
    assert [r["time"] for r in own["train"]] == [pd.Timestamp(t).isoformat() for t in times[:70]]
    assert max(r["time"] for r in own["train"]) < min(r["time"] for r in own["val"])
    assert max(r["time"] for r in own["val"]) < min(r["time"] for r in own["test"])
    # val/test start with flagged history rows (lookback 3) from just before their span
    assert [r["values"]["y"] for r in splits["val"] if r.get("context")] == [67.0, 68.0, 69.0]
    assert [r["values"]["y"] for r in splits["test"] if r.get("context")] == [87.0, 88.0, 89.0]
    assert summary["windows"] == {"train": 70 - 3 - 2 + 1, "val": 20 - 2 + 1, "test": 10 - 2 + 1}

    # normalization statistics = the train span's, computed here from the raw file
    raw = pd.read_csv(data_root / "s.csv")[:70]
    prep_dir = tmp_path / "prep"
    prep_dir.mkdir()
    topology = SequencePrediction()
    topology.fit_preprocessor(spec, splits["train"], prep_dir)
    prep = topology.load_preprocessor(spec, prep_dir)
    assert prep.numeric == ["y", "x"] and prep.categorical == ["cat"]
    np.testing.assert_allclose(prep.mean, [raw.y.mean(), raw.x.mean()])
    np.testing.assert_allclose(prep.std, [raw.y.std(ddof=0), raw.x.std(ddof=0)])
    stats = json.loads((out / "stats.json").read_text())
    assert stats["train_normalization"]["y"]["mean"] == pytest.approx(raw.y.mean())
    # categories from train only: 'c' (test span only) is unknown
    assert prep.categories == {"cat": ["a", "b"]}
    assert prep.n_features == 2 + 2

    # changing the val/test spans changes nothing the model learns from
    lines = (data_root / "s.csv").read_text().splitlines()
    lines[71:] = [f"{t},{1000 + 50 * i},{-i},zz" for i, t in enumerate(times[70:])]
    (data_root / "s.csv").write_text("\n".join(lines) + "\n")
    _, out2 = run_ingest(spec)
    prep_dir2 = tmp_path / "prep2"
    prep_dir2.mkdir()
    topology.fit_preprocessor(spec, read_jsonl(out2 / "train.jsonl"), prep_dir2)
    assert json.loads((prep_dir2 / "series_preprocessor.json").read_text()) == \
        json.loads((prep_dir / "series_preprocessor.json").read_text())


def test_split_too_small_for_a_window_is_an_error(data_root, run_ingest):
    write_split_csv(data_root, n=30)
    with pytest.raises(DataError, match="test span has 3 time step"):
        run_ingest(series_spec("s.csv", lookback=3, horizon=4,
                               split={"val": 0.2, "test": 0.1}))


# ---------------------------------------------------- missing values, rejects
MISSING_CSV = [
    "ts,y,cat",                    # line 1
    "2020-01-01 00:00,1,a",        # 2
    "2020-01-01 01:00,NA,a",       # 3  missing value
    "2020-01-01 02:00,3,b",        # 4
    # 03:00 absent: a missing time step
    "2020-01-01 04:00,5,b",        # 5
    "not a time,6,a",              # 6  reject
    "2020-01-01 05:00,abc,a",      # 7  reject (and 05:00 becomes a missing step)
    "2020-01-01 06:00,7,",         # 8  missing category
    "2020-01-01 06:00,99,a",       # 9  duplicate: reject
    "2020-01-01 07:00,8,a",        # 10
    "2020-01-01 08:00,9,a",
    "2020-01-01 09:00,10,a",
    "2020-01-01 10:00,11,a",
]


@pytest.mark.parametrize("policy, ys, cats, filled, dropped", [
    ("interpolate", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
     list("aabbbbbaaaa"), {"y": 3, "cat": 3}, 0),
    ("ffill", [1, 1, 3, 3, 5, 5, 7, 8, 9, 10, 11], list("aabbbbbaaaa"), {"y": 3, "cat": 3}, 0),
    ("zero", [1, 0, 3, 0, 5, 0, 7, 8, 9, 10, 11],
     ["a", "a", "b", "", "b", "", "", "a", "a", "a", "a"],
     {"y": 3, "cat": 3}, 0),
    ("drop", [1, 3, 5, 8, 9, 10, 11], list("abbaaaa"), {"y": 0, "cat": 0}, 4),
])
def test_missing_value_policies_fill_and_count(data_root, run_ingest, policy, ys, cats, filled,
                                               dropped):
    (data_root / "m.csv").write_text("\n".join(MISSING_CSV) + "\n")
    spec = series_spec("m.csv", features=["cat"], categorical=["cat"], missing=policy,
                       lookback=2, horizon=1)
    summary, out = run_ingest(spec)
    stats = json.loads((out / "stats.json").read_text())
    missing = stats["missing"]
    assert stats["frequency"] == "h" and stats["frequency_source"] == "inferred"
    assert missing["values_per_column"] == {"y": 1, "cat": 1}
    assert missing["time_steps"] == 2                     # 03:00 and the rejected 05:00
    assert missing["filled_per_column"] == filled
    assert missing["rows_dropped"] == dropped and missing["leading_steps_trimmed"] == 0
    assert summary["missing_time_steps"] == 2 and summary["rejected"] == 3

    rows = read_jsonl(out / "train.jsonl")
    assert [r["values"]["y"] for r in rows] == ys
    assert [r["values"]["cat"] for r in rows] == cats
    if policy == "drop":
        assert [r["step"] for r in rows] == [0, 2, 4, 7, 8, 9, 10]
        assert summary["windows"]["train"] == 2            # 7,8->9 and 8,9->10 only
        assert not any("imputed" in r for r in rows)
    else:
        assert [r["step"] for r in rows] == list(range(11))
        assert rows[1]["imputed"] == ["y"] and rows[3]["imputed"] == ["y", "cat"]
        assert rows[6]["imputed"] == ["cat"] and "imputed" not in rows[0]

    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (6, "unparseable time"), (7, "not a number in column 'y'"),
        (9, "duplicate timestamp (the first row with it was kept)")]
    assert all(r["file"].endswith("m.csv") for r in rejects)
    assert rejects[1]["raw"] == "2020-01-01 05:00,abc,a"
    assert stats["reject_reasons"] == {"unparseable time": 1, "not a number in column 'y'": 1,
                                       "duplicate timestamp (the first row with it was kept)": 1}


def test_leading_missing_values_are_trimmed_and_counted(data_root, run_ingest):
    lines = ["ts,y"] + [f"{t},{'NA' if i < 2 else i}" for i, t in enumerate(hourly(8))]
    (data_root / "l.csv").write_text("\n".join(lines) + "\n")
    summary, out = run_ingest(series_spec("l.csv", frequency="1h"))
    missing = json.loads((out / "stats.json").read_text())["missing"]
    assert missing["leading_steps_trimmed"] == 2 and missing["values_per_column"] == {"y": 2}
    assert [r["values"]["y"] for r in read_jsonl(out / "train.jsonl")] == [2, 3, 4, 5, 6, 7]


def test_several_time_columns_are_combined_and_sorted(data_root, run_ingest):
    (data_root / "p.csv").write_text(
        "No,year,month,day,hour,pm,cbwd\n"
        "3,2010,1,1,2,30,NW\n1,2010,1,1,0,10,NW\n2,2010,1,1,1,20,SE\n4,2010,13,1,3,40,cv\n"
        "5,2010,1,1,4,50,cv\n")
    spec = PipelineSpec.model_validate({
        "name": "p", "topology": "sequence_prediction",
        "data": {"sources": [{"path": "p.csv"}], "split": {"val": 0, "test": 0},
                 "series": {"time": ["year", "month", "day", "hour"], "frequency": "1h",
                            "targets": ["pm"], "features": ["cbwd"], "categorical": ["cbwd"],
                            "lookback": 1, "horizon": 1}}})
    summary, out = run_ingest(spec)
    rows = read_jsonl(out / "train.jsonl")
    assert [r["time"] for r in rows] == [f"2010-01-01T0{h}:00:00" for h in range(5)]
    assert [r["values"]["pm"] for r in rows] == [10, 20, 30, 40, 50]  # 03:00 interpolated
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["line"], r["reason"]) for r in rejects] == [(5, "unparseable time")]


def test_missing_column_and_categorical_target_are_errors(data_root, run_ingest):
    (data_root / "c.csv").write_text("ts,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n")
    with pytest.raises(DataError, match=r"no column\(s\) \['x'\]"):
        run_ingest(series_spec("c.csv", features=["x"]))
    with pytest.raises(pydantic.ValidationError, match="targets must be numeric"):
        series_spec("c.csv", categorical=["y"])  # the schema refuses it before ingest


# ------------------------------------------------------------------- windows
def test_window_ends_respect_lookback_horizon_gaps_context_and_stride():
    steps = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    none = np.zeros(10, bool)
    assert ts.window_ends(steps, none, 3, 2).tolist() == [2, 3, 4, 5, 6, 7]
    assert ts.window_ends(steps, none, 3, 2, stride=4).tolist() == [2, 6]
    context = np.array([True] * 4 + [False] * 6)   # first target must be row 4 or later
    assert ts.window_ends(steps, context, 3, 2).tolist() == [3, 4, 5, 6, 7]
    gap = np.array([0, 1, 2, 3, 5, 6, 7, 8, 9, 10])  # step 4 dropped
    assert ts.window_ends(gap, none, 2, 1).tolist() == [1, 2, 5, 6, 7, 8]
    assert ts.window_ends(steps[:4], none, 3, 2).tolist() == []
    values = np.arange(10.0)
    np.testing.assert_array_equal(ts.gather_windows(values, np.array([2, 5]), 3),
                                  [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(ts.gather_targets(values, np.array([2, 5]), 2), [[3, 4], [6, 7]])


def make_prep(lookback=4, horizon=3, categories=("NW", "SE")) -> SeriesPrep:
    return SeriesPrep(["y", "x"], ["wind"], ["y"], np.array([10.0, 0.0]), np.array([2.0, 4.0]),
                      {"wind": list(categories)}, lookback, horizon)


def make_records(n=20, wind=("NW", "SE", "cv")) -> list[dict]:
    return [{"time": pd.Timestamp("2020-01-01").isoformat(), "step": i,
             "values": {"y": 10.0 + i, "x": float(i % 3), "wind": wind[i % len(wind)]}}
            for i in range(n)]


def test_make_dataset_window_shapes_and_normalized_values():
    spec = series_spec("unused.csv", lookback=4, horizon=3, stride=2)
    prep, records = make_prep(), make_records()
    topology = SequencePrediction()
    batches = list(topology.make_dataset(spec, prep, records, training=False))
    x, y = batches[0]
    assert x.shape == (4, 4, 2 + 2) and y.shape == (4, 3, 1)
    n_windows = sum(int(b[0].shape[0]) for b in batches)
    assert n_windows == 20 - 4 - 3 + 1
    # first window: rows 0..3 -> y standardized (10 + i - 10) / 2, x / 4, wind one-hot
    np.testing.assert_allclose(x[0, :, 0], [0, 0.5, 1, 1.5])
    np.testing.assert_allclose(x[0, :, 1], [0, 0.25, 0.5, 0])
    np.testing.assert_array_equal(x[0, :, 2:], [[1, 0], [0, 1], [0, 0], [1, 0]])  # cv unknown
    np.testing.assert_allclose(y[0, :, 0], [2, 2.5, 3])
    # training windows follow the stride and are shuffled
    train = list(topology.make_dataset(spec, prep, records, training=True))
    assert sum(int(b[0].shape[0]) for b in train) == len(range(0, 14, 2))


# ------------------------------------------------------------- baselines
Y = np.array([[10], [12], [11], [15], [14], [18], [17], [21]], dtype=float)


def test_naive_and_seasonal_naive_on_a_hand_made_series():
    steps = np.arange(8)
    ends = ts.window_ends(steps, np.zeros(8, bool), 2, 2)
    assert ends.tolist() == [1, 2, 3, 4, 5]
    naive = ts.naive_forecast(Y, ends, 2)
    assert naive[:, :, 0].tolist() == [[12, 12], [11, 11], [15, 15], [14, 14], [18, 18]]
    seasonal, ok = ts.seasonal_naive_forecast(Y, steps, ends, 2, period=2)
    # h=1 -> the value 2 steps before the target (y[t-1]); h=2 -> y[t]
    assert seasonal[:, :, 0].tolist() == [[10, 12], [12, 11], [11, 15], [15, 14], [14, 18]]
    assert ok.all()
    # period 3: h=1, 2 look back 3 steps: window t=1 would need step -1
    seasonal3, ok3 = ts.seasonal_naive_forecast(Y, steps, ends, 2, period=3)
    assert ok3.tolist() == [False, True, True, True, True]
    assert seasonal3[1, :, 0].tolist() == [10, 12]
    # period 1 with horizon 2: h=2 goes back 2 steps (one whole season per step)
    seasonal1, _ = ts.seasonal_naive_forecast(Y, steps, ends, 2, period=1)
    assert seasonal1[0, :, 0].tolist() == [12, 12]

    truth = ts.gather_targets(Y, ends, 2)
    m = ts.horizon_metrics(truth, naive)
    # step 1: |12-11| |11-15| |15-14| |14-18| |18-17| = 1 4 1 4 1; step 2: all 3
    assert m["mae_step"] == pytest.approx([11 / 5, 3.0])
    assert m["rmse_step"] == pytest.approx([math.sqrt(35 / 5), 3.0])
    assert m["mae"] == pytest.approx(26 / 10) and m["rmse"] == pytest.approx(math.sqrt(80 / 10))
    s = ts.horizon_metrics(truth, seasonal)
    # step 1: |10-11| |12-15| |11-14| |15-18| |14-17| = 1 3 3 3 3
    assert s["mae_step"] == pytest.approx([13 / 5, 3.0])
    # a masked (imputed) target cell is not scored
    mask = np.ones_like(truth, bool)
    mask[1, 0, 0] = False                     # the |11-15| error
    assert ts.horizon_metrics(truth, naive, mask)["mae_step"][0] == pytest.approx(7 / 4)
    assert ts.horizon_metrics(truth, naive, mask)["count"] == 9


def test_evaluate_reports_baselines_and_skill_on_the_same_windows(tmp_path):
    spec = series_spec("unused.csv", lookback=2, horizon=2, seasonal_period=2)
    prep = SeriesPrep(["y"], [], ["y"], np.array([15.0]), np.array([3.0]), {}, 2, 2)
    records = [{"time": t, "step": i, "values": {"y": float(v)}}
               for i, (t, v) in enumerate(zip(hourly(8), Y[:, 0]))]
    records[0]["context"] = True               # history only: first target is row 2
    records[4]["imputed"] = ["y"]              # y = 14 is not scored
    topology = SequencePrediction()
    model = topology.build_model(spec, prep)
    m = topology.evaluate(spec, prep, model, records, tmp_path)
    # windows t = 1..5; imputed row 4 is the target of t=3 (h=1) and t=2 (h=2)
    assert m["windows"] == 5 and m["scored_values"] == 8
    assert m["naive_mae_step_1"] == pytest.approx((1 + 4 + 4 + 1) / 4)
    assert m["naive_mae_step_2"] == pytest.approx(3.0)
    assert m["seasonal_naive_mae_step_1"] == pytest.approx((1 + 3 + 3 + 3) / 4)
    assert m["skill_vs_naive"] == pytest.approx(m["mae"] / m["naive_mae"])
    assert m["skill_vs_naive_step_2"] == pytest.approx(m["mae_step_2"] / m["naive_mae_step_2"])
    # the model's errors are in original units: recompute them from its forecasts
    a = split_arrays(prep, records)
    ends = ts.window_ends(a.steps, a.context, 2, 2)
    pred = prep.denormalize(model.predict(
        ts.gather_windows(prep.encode(a.numeric, a.categorical), ends, 2), verbose=0))
    truth = ts.gather_targets(a.numeric, ends, 2)
    err = np.abs(pred - truth)[:, 0, 0]
    assert m["mae_step_1"] == pytest.approx(np.delete(err, 2).mean(), rel=1e-5)
    for name in ("forecast_vs_actual.png", "error_by_horizon.png", "forecast_metrics.json"):
        assert (tmp_path / name).stat().st_size > 0
    table = json.loads((tmp_path / "forecast_metrics.json").read_text())
    assert table["by_step"][0]["naive_mae"] == pytest.approx(2.5)


# ----------------------------------------------------------------- serving
def test_serving_graph_matches_the_training_preprocessing(tmp_path):
    spec = series_spec("unused.csv", lookback=4, horizon=3)
    prep, records = make_prep(), make_records()
    topology = SequencePrediction()
    topology._prep = prep
    model = topology.build_model(spec, prep)
    (fn, signature), = topology.serving_endpoints(spec, prep, model).values()
    assert [(s.name, s.dtype.name, s.shape.as_list()) for s in signature] == [
        ("y", "float32", [None, 4]), ("x", "float32", [None, 4]), ("wind", "string", [None, 4])]
    inputs = topology.example_inputs(records, 3)
    assert list(inputs) == ["y", "x", "wind"]
    assert inputs["y"].dtype == np.float32 and inputs["wind"].dtype == object
    assert inputs["y"].shape == (3, 4) and inputs["y"][0].tolist() == [10, 11, 12, 13]
    import tensorflow as tf

    out = fn(*[tf.constant(v) for v in inputs.values()])
    raw = np.stack([inputs["y"], inputs["x"]], -1)
    expected = prep.denormalize(model.predict(
        prep.encode(raw, inputs["wind"][..., None]), verbose=0))
    np.testing.assert_allclose(out["forecast"].numpy(), expected, rtol=1e-5, atol=1e-4)
    assert out["forecast"].shape == (3, 3, 1)
    assert out["target_names"].numpy().tolist() == [[b"y"]] * 3
    # a missing (NaN) input counts as the training mean
    nan_y = inputs["y"].copy()
    nan_y[:, 1] = np.nan
    mean_y = inputs["y"].copy()
    mean_y[:, 1] = prep.mean[0]
    a = fn(tf.constant(nan_y), tf.constant(inputs["x"]), tf.constant(inputs["wind"]))
    b = fn(tf.constant(mean_y), tf.constant(inputs["x"]), tf.constant(inputs["wind"]))
    np.testing.assert_allclose(a["forecast"].numpy(), b["forecast"].numpy(), rtol=1e-6)


def test_predict_reads_csv_windows_and_formats_forecasts(tmp_path):
    import tensorflow as tf

    path = tmp_path / "window.csv"
    path.write_text("time,y,x,wind,extra\n" + "".join(
        f"t{i},{i},{'NA' if i == 4 else i * 2},{'NW' if i % 2 else 'SE'},zz\n" for i in range(6)))
    signature = {"y": tf.TensorSpec([None, 4], tf.float32, name="y"),
                 "x": tf.TensorSpec([None, 4], tf.float32, name="x"),
                 "wind": tf.TensorSpec([None, 4], tf.string, name="wind")}
    topology = SequencePrediction()
    inputs = topology.parse_predict_inputs(signature, [str(path), str(path)])
    assert inputs["y"].tolist() == [[2, 3, 4, 5]] * 2 and inputs["y"].dtype == np.float32
    assert np.isnan(inputs["x"][0, 2]) and inputs["x"][0, 3] == 10
    assert inputs["wind"][0].tolist() == ["SE", "NW", "SE", "NW"]
    lines = topology.format_prediction(inputs, {
        "forecast": np.array([[[1.5], [2.25]], [[3.0], [4.0]]]),
        "target_names": np.array([[b"pm2.5"], [b"pm2.5"]], dtype=object)})
    assert lines[0] == f"window 1 ({path}): forecast for the next 2 steps"
    assert lines[1].split() == ["step", "pm2.5"]
    assert lines[2].split() == ["+1", "1.500"] and lines[7].split() == ["+2", "4.000"]
    with pytest.raises(Exception, match="6 row"):
        topology.parse_predict_inputs({"y": tf.TensorSpec([None, 8], tf.float32, name="y")},
                                      [str(path)])


def test_parity_tolerance_is_relative_for_large_forecasts():
    from seqkeras.serving.capi import compare

    # float32 forecasts in original units (hundreds) differ in their last bits between the
    # eager Keras run and the C++ session: 2e-4 on 300 is within 1e-4 + 1e-5 * 300
    assert compare({"forecast": [[300.0, 12.0]]}, {"forecast": [[300.0002, 12.0]]})["ok"]
    # small values keep the absolute tolerance
    assert not compare({"forecast": [[0.25]]}, {"forecast": [[0.2502]]})["ok"]
    assert not compare({"forecast": [[300.0]]}, {"forecast": [[300.01]]})["ok"]
