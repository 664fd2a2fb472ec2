"""sequence_prediction topology: preprocessing, datasets, evaluation beside the baselines,
the serving graph and predict; on hand-made series."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from seqkeras.topologies import get_topology
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep, input_name, split_arrays
from seqkeras.topologies.sequence_prediction.topology import SequencePrediction
from seqkeras.topologies.sequence_prediction.windows import (gather_targets, gather_windows,
                                                             window_ends)
from tests.topologies.sequence_prediction.helpers import hourly, series_spec


# ------------------------------------------------------------------ registry
def test_registered_and_input_names():
    assert isinstance(get_topology("sequence_prediction"), SequencePrediction)
    assert input_name("pm2.5") == "pm2_5" and input_name("Temp") == "Temp"
    assert input_name("2nd col") == "c_2nd_col"


def make_prep(lookback=4, horizon=3, categories=("NW", "SE"), **more) -> SeriesPrep:
    return SeriesPrep(["y", "x"], ["wind"], ["y"], np.array([10.0, 0.0]), np.array([2.0, 4.0]),
                      {"wind": list(categories)}, lookback, horizon, **more)


def make_records(n=20, wind=("NW", "SE", "cv")) -> list[dict]:
    return [{"time": pd.Timestamp("2020-01-01").isoformat(), "step": i,
             "values": {"y": 10.0 + i, "x": float(i % 3), "wind": wind[i % len(wind)]}}
            for i in range(n)]


def test_make_dataset_window_shapes_and_normalized_values():
    spec = series_spec("unused.csv", lookback=4, horizon=3, stride=2)
    prep, records = make_prep(), make_records()
    topology = SequencePrediction()
    records[5]["imputed"] = ["y"]  # a filled-in target weighs 0 in the loss
    batches = list(topology.make_dataset(spec, prep, records, training=False))
    x, y, w = batches[0]
    assert x.shape == (4, 4, 2 + 2) and y.shape == (4, 3, 1) and w.shape == (4, 3)
    np.testing.assert_array_equal(w[:3], [[1, 0, 1], [0, 1, 1], [1, 1, 1]])  # rows 4..7
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


def test_residual_naive_model_starts_from_persistence_and_round_trips(tmp_path):
    """target_transform: residual_naive -- with the output layer's weights at zero the
    forecast is the last observed value (persistence), in original units after
    denormalizing, and the saved model loads with its NaiveResidual layer."""
    import keras

    spec = series_spec("unused.csv", lookback=4, horizon=3, target_transform="residual_naive")
    prep, records = make_prep(target_transform="residual_naive"), make_records()
    model = SequencePrediction().build_model(spec, prep)
    dense = model.get_layer("direct_multi_output")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    a = split_arrays(prep, records)
    windows = gather_windows(prep.encode(a.numeric, a.categorical), np.array([3, 9]), 4)
    forecast = prep.denormalize(model.predict(windows, verbose=0))
    np.testing.assert_allclose(forecast[:, :, 0], [[13.0] * 3, [19.0] * 3])  # y at rows 3, 9
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(windows, verbose=0),
                               model.predict(windows, verbose=0), rtol=1e-6)


# ------------------------------------------------------------- baselines
Y = np.array([[10], [12], [11], [15], [14], [18], [17], [21]], dtype=float)


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
    ends = window_ends(a.steps, a.context, 2, 2)
    pred = prep.denormalize(model.predict(
        gather_windows(prep.encode(a.numeric, a.categorical), ends, 2), verbose=0))
    truth = gather_targets(a.numeric, ends, 2)
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
        f"t{i},{i},{i * 2},{'NW' if i % 2 else 'SE'},zz\n" for i in range(6)))
    signature = {"y": tf.TensorSpec([None, 4], tf.float32, name="y"),
                 "x": tf.TensorSpec([None, 4], tf.float32, name="x"),
                 "wind": tf.TensorSpec([None, 4], tf.string, name="wind")}
    topology = SequencePrediction()
    inputs = topology.parse_predict_inputs(signature, [str(path), str(path)])
    assert inputs["y"].tolist() == [[2, 3, 4, 5]] * 2 and inputs["y"].dtype == np.float32
    assert inputs["x"][0].tolist() == [4, 6, 8, 10]
    assert inputs["wind"][0].tolist() == ["SE", "NW", "SE", "NW"]
    lines = topology.format_prediction(inputs, {
        "forecast": np.array([[[1.5], [2.25]], [[3.0], [4.0]]]),
        "target_names": np.array([[b"pm2.5"], [b"pm2.5"]], dtype=object)})
    assert lines[0] == f"window 1 ({path}): forecast for the next 2 steps"
    assert lines[1].split() == ["step", "pm2.5"]
    assert lines[2].split() == ["+1", "1.500"] and lines[7].split() == ["+2", "4.000"]
    # a missing cell is refused by name (the served graph refuses NaN: it used to come
    # back as "the model refused the input: Graph execution error:")
    path.write_text(path.read_text().replace("4,8,SE", "4,NA,SE"))
    with pytest.raises(Exception, match=r"window.csv:6: column 'x': missing"):
        topology.parse_predict_inputs(signature, [str(path)])
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
