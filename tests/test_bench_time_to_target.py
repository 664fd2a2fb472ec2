"""benchmarks.time_to_target and its parts: the keras-io recipe's encoding, side parsing,
the paused clock of the validation probe, FLOP counting and the device script's
bounded batch shapes."""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
import pytest

from benchmarks import keras_io_imdb as kio
from benchmarks.device_keras_jax import BOUNDS, bucket_batches
from benchmarks.hardware import model_flops
from benchmarks.sides import Clock, Probe, SideResult
from benchmarks.time_to_target import parse_side
from seqkeras.layers.min_rnn import MinGRU


def test_keras_io_encoding_is_the_keras_datasets_one():
    assert kio.words("Great<br /><br />film, isn't it?!") == ["great", "film", "isn't", "it"]
    index = kio.word_index(["b a a", "a c"])
    assert index == {"a": 3, "b": 4, "c": 5}  # rank + 3: 0 pad, 1 start, 2 out of vocabulary
    long = " ".join(["a"] * 300 + ["c"])
    x = kio.encode(["b zzz", long], index)
    assert x.shape == (2, kio.MAXLEN) and x.dtype == np.int32
    assert x[0, -3:].tolist() == [1, 4, 2] and not x[0, :-3].any()  # pre-padded, start, OOV
    assert x[1, -1] == 5 and (x[1, :-1] == 3).all()  # cut at the start: the end is kept


def test_sides_parse():
    assert parse_side("pipeline") == ("pipeline", {})
    assert parse_side("mg:model.cell=min_gru;train.batch_size=128") == (
        "mg", {"model.cell": "min_gru", "train.batch_size": 128})
    with pytest.raises(argparse.ArgumentTypeError, match="dotted key"):
        parse_side("bad:cell=min_gru")


def test_probe_scores_on_a_paused_clock():
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])

    def slow_score(m):
        time.sleep(0.3)  # validation: must not count
        return 0.9

    clock = Clock()
    probe = Probe(clock, slow_score, "val_accuracy", every=16, batch_size=8, higher=True,
                  stop_at=0.9, log=lambda _: None)
    model.fit(x, y, batch_size=8, epochs=3, callbacks=[probe], verbose=0)
    assert probe.steps == 2  # stopped at the first score reaching 0.9 (after 16 examples)
    wall, examples, value, where, cpu = probe.trace[0]
    assert (examples, value, where) == (16, 0.9, "probe")
    assert clock.paused_wall >= 0.3 and clock.now()[0] < time.perf_counter() - clock.wall0 - 0.29
    side = SideResult("s", "r", prepare_s=0.0, trace=probe.trace)
    assert side.time_to(0.9, higher=True) == (wall, 16, cpu)
    assert side.time_to(0.95, higher=True) is None

    # fit's own epoch-end validation is recorded, and its time paused too
    probe = Probe(Clock(), slow_score, "val_accuracy", every=10**6, batch_size=8, higher=True,
                  log=lambda _: None)
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), callbacks=[probe],
              verbose=0)
    assert [t[3] for t in probe.trace] == ["end of epoch 1", "end of epoch 2"]
    assert [t[1] for t in probe.trace] == [64, 128]
    assert probe.trace[0][0] < probe.trace[1][0]


def test_flops_counted_from_the_weights():
    ids = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(100, 8)(ids)
    x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(x)
    x = MinGRU(5, return_sequences=True)(x)
    x = keras.layers.Dense(6)(x)                     # per position
    out = keras.layers.Dense(1)(keras.layers.GlobalMaxPooling1D()(x))  # per sequence
    flops = model_flops(keras.Model(ids, out))
    lstm = 2 * 2 * (8 * 16 + 4 * 16)                 # 2 directions, kernel + recurrent
    assert flops.per_position == lstm + 2 * 8 * 10 + 2 * 5 * 6
    assert flops.per_sequence == 2 * 6
    assert flops.loop_shapes == [(8, 16), (4, 16)] * 2 and (8, 10) in flops.matmul_shapes
    assert flops.training(positions=10, sequences=2) == 3 * (10 * flops.per_position + 2 * 12)


def test_device_batches_have_bucket_boundary_shapes():
    rng = np.random.default_rng(0)
    rows = [np.arange(1, n + 1) for n in rng.integers(1, 601, size=300)]
    y = np.zeros(300, np.float32)
    train = list(bucket_batches(rows, y, 8, 600, rng, shuffle=True))
    widths = {x.shape[1] for x, _ in train}
    assert widths <= set(BOUNDS) | {600} and {x.shape[0] for x, _ in train} == {8}
    for x, _ in train:
        lengths = (x > 0).sum(1)
        assert (lengths <= x.shape[1]).all()
    evaluation = list(bucket_batches(rows, y, 8, 600, rng, shuffle=False))
    assert sum(len(b) for _, b in evaluation) == 300  # every example, once
    # remainders padded with empty rows: one compiled shape a bucket
    assert {x.shape[0] for x, _ in evaluation} == {8}
    assert len({x.shape for x, _ in evaluation}) == len({x.shape[1] for x, _ in evaluation})


def test_a_run_renders_again_from_its_json_with_milestones(tmp_path):
    """--render: the JSON a run writes rebuilds its sides (FLOP counts included) and the
    section shows the time to each milestone, 'not reached' where the trace never got
    there."""
    import json

    from benchmarks.hardware import Flops
    from benchmarks.time_to_target import TASKS, load_run, main
    from benchmarks.ttt_report import render

    side = SideResult("pipeline", "1 x gru(8)", prepare_s=2.0, train_s=10.0, epochs=2,
                      steps=4, examples=100, real_tokens=900, positions=1000,
                      trace=[[5.0, 50, 1.6, "probe", 7.0],
                             [9.0, 100, 1.2, "end of epoch 1", 12.0]],
                      test={"bleu": 30.0}, flops=Flops(10, 4))
    run = {"date": "d", "quick": False, "command": "c", "cpu": "cpu", "cores": 2,
           "versions": {}, "gpus": [], "load_start": "0", "load_end": "0", "target": 1.03,
           "stop_at_target": False, "probe": 50, "peak_start": 1e9, "peak_end": 1e9}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"run": run, "sides": [
        {k: v for k, v in vars(side).items() if k != "flops"}
        | {"flops_per_position": 10, "flops_per_sequence": 4}]}), encoding="utf-8")
    run_back, [back] = load_run(path)
    assert back.flops == side.flops and back.trace == side.trace
    body = render("translate", TASKS["translate"], run_back, [back])
    assert body == render("translate", TASKS["translate"], run, [side])
    assert "| side | <= 2.0 | <= 1.5 | <= 1.2 |" in body
    assert "| pipeline | 5.0 (7.0) | 9.0 (12.0) | 9.0 (12.0) | not reached |" in body
    assert "epochs, wall s / CPU s (cores busy): 9 / 12 (1.33)" in body
    out = tmp_path / "RESULTS.md"
    assert main(["--task", "translate", "--render", str(path), "--out", str(out)]) == 0
    assert "time_to_target_translate:begin" in out.read_text() and body in out.read_text()


def test_every_tasks_default_sides_parse():
    from benchmarks.time_to_target import TASKS

    for task in TASKS.values():
        names = [parse_side(s)[0] for s in task.sides]
        assert names[0] in ("keras_io", "pipeline") and len(set(names)) == len(names)
    assert dict(parse_side(s) for s in TASKS["translate"].sides)["first_version"] == {
        "model.sampled_softmax": 0, "train.learning_rate_schedule": "constant",
        "train.bucket_min_width": 16, "train.precision": "float32"}
