"""The piano_roll topology on tiny slices of the real JSB chorales: ingest and rejects,
frame shapes, masking, seeded sampling, and the in-graph loop against the Python
per-step reference decoder (tiny untrained models)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pydantic
import pytest
import tensorflow as tf

from seqkeras.topologies.piano_roll import music
from seqkeras.errors import DataError, SeqkerasError
from seqkeras.topologies.piano_roll.frame_decoder import (cap_voices, frames_to_pitches, pitches_to_frames,
                                     python_frame_decode, sample_frame)
from seqkeras.spec import PipelineSpec
from seqkeras.stages import StageContext, ingest
from seqkeras.tracking import Tracker
from seqkeras.topologies import get_topology
from tests.pipeline_helpers import require_shared

JSB = "jsb_chorales/jsb-chorales-quarter.json"


@pytest.fixture(scope="module")
def chorales():
    data = json.loads(require_shared(JSB).read_text())
    return {"train": data["train"][:6], "valid": data["valid"][:2], "test": data["test"][:2]}


def make_spec(path="unused.json", **model):
    return PipelineSpec.model_validate({
        "name": "jsb_tiny", "topology": "piano_roll", "seed": 3,
        "data": {"sources": [{"path": str(path)}]},
        "model": {"units": 8, "layers": 2, "cell": "gru", **model},
        "train": {"batch_size": 4, "epochs": 1, "learning_rate": 0.01},
        "generate": {"max_length": 6, "samples": 2}})


def records(chorales, split="train"):
    return [{"id": f"{split}/{i}", "steps": c[:12 + 3 * i]} for i, c in enumerate(chorales[split])]


def setup(tmp_path, recs, **model):
    spec = make_spec(**model)
    topo = get_topology("piano_roll")
    topo.fit_preprocessor(spec, recs, tmp_path)
    prep = topo.load_preprocessor(spec, tmp_path)
    return spec, topo, prep, topo.build_model(spec, prep)


def run_ingest(tmp_path, spec):
    out = tmp_path / "ingest"
    out.mkdir()
    ctx = StageContext(spec=spec, spec_path=tmp_path / "p.yaml", workdir=tmp_path, out=out,
                       tracker=Tracker(enabled=False), log=logging.getLogger("seqkeras.tests"))
    return ingest.run(ctx), out


def test_ingest_keeps_the_file_splits_and_rejects_malformed_chorales(tmp_path, chorales):
    bad = dict(chorales, train=chorales["train"] + [[[60, 64], [60, 200]], [], "x"])
    path = tmp_path / "jsb.json"
    path.write_text(json.dumps(bad))
    summary, out = run_ingest(tmp_path, make_spec(path))
    assert summary["records"] == {"train": 6, "val": 2, "test": 2}
    assert summary["rejected"] == 3
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [(r["split"], r["chorale"]) for r in rejects] == [("train", 6), ("train", 7),
                                                             ("train", 8)]
    assert rejects[0]["file"] == str(path) and "step 1: pitch 200" in rejects[0]["reason"]
    first = json.loads((out / "train.jsonl").read_text().splitlines()[0])
    assert first == {"id": "train/0", "steps": chorales["train"][0]}
    stats = json.loads((out / "stats.json").read_text())
    assert stats["splits"]["test"]["steps"] == sum(len(c) for c in chorales["test"])


@pytest.mark.parametrize("content, match", [
    ("[1, 2]", "expected"), ('{"train": [], "bogus": []}', "unknown split 'bogus'"),
    ("{not json", "not valid JSON")])
def test_ingest_names_the_file_for_a_wrong_layout(tmp_path, content, match):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(DataError, match=match) as err:
        run_ingest(tmp_path, make_spec(path))
    assert str(path) in str(err.value)


def test_teacher_forcing_frames_and_logit_shapes(tmp_path, chorales):
    recs = records(chorales)[:3]
    spec, topo, prep, model = setup(tmp_path, recs)
    x, y = next(iter(topo.make_dataset(spec, prep, recs, training=False)))
    x, y = x.numpy(), y.numpy()
    longest = max(len(r["steps"]) for r in recs)
    assert x.shape == y.shape == (3, longest, music.KEYS)
    assert (x[:, 0] == 0).all()                                  # the zero start frame
    for row_x, row_y, r in zip(x, y, recs):
        n = len(r["steps"])
        np.testing.assert_array_equal(row_y[:n], music.to_roll(r["steps"]))
        np.testing.assert_array_equal(row_x[1:n], row_y[:n - 1])   # shifted by one
        assert (row_x[n:] == -1).all() and (row_y[n:] == 0).all()  # padding
    assert model(x).shape == (3, longest, music.KEYS)


def test_padding_changes_nothing_and_the_loss_is_the_nll_per_step(tmp_path, chorales):
    recs = records(chorales)[:4]
    spec, topo, prep, model = setup(tmp_path, recs)
    x, y = next(iter(topo.make_dataset(spec, prep, recs, training=False)))
    loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    px = tf.pad(x, [[0, 0], [0, 5], [0, 0]], constant_values=-1.0)
    py = tf.pad(y, [[0, 0], [0, 5], [0, 0]])
    padded = model.compute_loss(x=px, y=py, y_pred=model(px))
    np.testing.assert_allclose(float(loss), float(padded), rtol=1e-5)
    s = topo.nll(spec, prep, model, recs)
    assert s["steps"] == sum(len(r["steps"]) for r in recs) and s["chorales"] == 4
    np.testing.assert_allclose(float(loss), s["total"] / s["steps"], rtol=1e-4)
    # an untrained model says ~ln 2 per key: 88 keys x 0.69 = 61 nats per step
    assert 40 < s["total"] / s["steps"] < 80


def test_frames_and_pitches_round_trip():
    pitches = np.array([[[72, 67, 64, 48], [-1, -1, -1, -1], [60, -1, 60, 130]]], np.int32)
    frames = pitches_to_frames(tf.constant(pitches)).numpy()
    np.testing.assert_array_equal(frames, music.pitches_to_roll(pitches))
    assert frames.sum(-1).tolist() == [[4, 0, 1]]                  # duplicates, out of range
    back = frames_to_pitches(tf.constant(frames)).numpy()
    assert back.tolist() == [[[72, 67, 64, 48], [-1] * 4, [60, -1, -1, -1]]]
    assert music.roll_to_steps(frames[0]) == [[72, 67, 64, 48], [], [60]]
    assert music.note_name(60) == "C4" and music.note_name(21) == "A0"


def test_sampling_is_seeded_per_row_capped_at_four_voices_and_greedy_at_zero():
    logits = tf.random.stateless_normal([5, music.KEYS], seed=[1, 2]) * 2.0
    logits = tf.concat([logits[:1], logits[:1], logits[2:]], axis=0)  # rows 0 and 1 alike
    temp = tf.ones([5])
    seeds = tf.constant([5, 5, 6, 7, 8], tf.int64)
    a = sample_frame(logits, temp, seeds, 3).numpy()
    assert (a == sample_frame(logits, temp, seeds, 3).numpy()).all()
    assert (a[0] == a[1]).all()                                   # same seed, same logits
    assert (sample_frame(logits[2:3], temp[:1], seeds[2:3], 3).numpy()[0] == a[2]).all()
    assert not (sample_frame(logits, temp, seeds, 4).numpy() == a).all()  # the step matters
    assert (a.sum(-1) <= music.VOICES).all() and a.sum() > 0
    greedy = sample_frame(logits, tf.zeros([5]), seeds, 3).numpy()
    expect = cap_voices(logits > 0, logits).numpy().astype(np.float32)
    np.testing.assert_array_equal(greedy, expect)
    top4 = np.argsort(-logits.numpy(), axis=-1)[:, :4]
    assert all(set(np.flatnonzero(g)) == set(t[logits.numpy()[i, t] > 0])
               for i, (g, t) in enumerate(zip(greedy, top4)))


def serve(topo, spec, prep, model, inputs, name="serving_default"):
    fn = topo.serving_endpoints(spec, prep, model)[name][0]
    out = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in out.items()}


@pytest.mark.parametrize("cell", ["gru", "lstm", "simple_rnn", "min_gru", "min_lstm"])
def test_in_graph_loop_equals_the_python_decoder(tmp_path, chorales, cell):
    spec, topo, prep, model = setup(tmp_path, records(chorales), cell=cell)
    inputs = {"steps": np.array([6, 3, 0, 5], np.int32),
              "temperature": np.array([1.0, 0.7, 1.0, 0.0], np.float32),
              "seed": np.array([0, 1, 2, 3], np.int64)}
    out = serve(topo, spec, prep, model, inputs)
    want, lengths = python_frame_decode(model, inputs["steps"], inputs["temperature"],
                                        inputs["seed"])
    np.testing.assert_array_equal(out["piano_roll"], want)
    assert out["length"].tolist() == lengths.tolist() == [6, 3, 0, 5]
    assert out["piano_roll"].shape == (4, 6, music.KEYS)
    assert out["pitches"].shape == (4, 6, music.VOICES)
    np.testing.assert_array_equal(out["pitches"], frames_to_pitches(want).numpy())
    assert (out["piano_roll"][1, 3:] == 0).all() and (out["pitches"][2] == -1).all()
    assert out["piano_roll"][0].sum() > 0                        # an untrained model sounds
    again = serve(topo, spec, prep, model, inputs)
    np.testing.assert_array_equal(again["piano_roll"], out["piano_roll"])
    alone = serve(topo, spec, prep, model, {k: v[:1] for k, v in inputs.items()})
    np.testing.assert_array_equal(alone["piano_roll"][0], out["piano_roll"][0])
    other = serve(topo, spec, prep, model, dict(inputs, seed=inputs["seed"] + 50))
    assert not np.array_equal(other["piano_roll"], out["piano_roll"])


def test_the_primer_is_fed_first_and_returned(tmp_path, chorales):
    spec, topo, prep, model = setup(tmp_path, records(chorales))
    opening = [sorted(s, reverse=True)[:4] for s in chorales["test"][0][:3]]
    primer = np.full((2, 3, 4), -1, np.int32)
    for t, step in enumerate(opening):
        primer[0, t, :len(step)] = step
    inputs = {"steps": np.array([4, 2], np.int32), "temperature": np.ones(2, np.float32),
              "seed": np.array([9, 10], np.int64), "primer": primer,
              "primer_length": np.array([3, 0], np.int32)}
    out = serve(topo, spec, prep, model, inputs, "from_primer")
    assert out["length"].tolist() == [7, 2]
    assert [[p for p in step if p >= 0] for step in out["pitches"][0, :3].tolist()] == opening
    want, _ = python_frame_decode(model, inputs["steps"], inputs["temperature"],
                                  inputs["seed"], primer, inputs["primer_length"])
    np.testing.assert_array_equal(out["piano_roll"], want)
    # without a primer row 1 is what serving_default gives for the same seed
    plain = serve(topo, spec, prep, model, {k: inputs[k][1:] for k in
                                            ("steps", "temperature", "seed")})
    np.testing.assert_array_equal(plain["piano_roll"][0], out["piano_roll"][1, :2])


def test_bidirectional_is_rejected():
    with pytest.raises(pydantic.ValidationError, match="backward layer would see the future"):
        make_spec(bidirectional=True)  # by the schema (piano_roll/spec.py), before any stage


def test_predict_arguments_and_formatting():
    topo = get_topology("piano_roll")
    parsed = topo.parse_predict_inputs({}, ["steps=3", "seed=7", "samples=2"])
    assert parsed["seed"].tolist() == [7, 8] and parsed["steps"].dtype == np.int32
    assert parsed["temperature"].dtype == np.float32
    with pytest.raises(SeqkerasError, match="key=value"):
        topo.parse_predict_inputs({}, ["C4"])
    pitches = np.array([[[72, 67, 64, 48], [71, -1, -1, -1], [-1] * 4]] * 2, np.int32)
    lines = topo.format_prediction(parsed, {"pitches": pitches, "length": np.array([3, 2])})
    assert lines[0].startswith("chorale 1 (seed 7") and "C5   G4   E4   C3" in lines[1]
    assert len(lines) == 1 + 3 + 1 + 2


def test_midi_file_holds_the_notes(tmp_path):
    import pretty_midi

    path = music.write_midi([[72, 64], [72, 65], [], [60]], tmp_path / "x.mid")
    notes = sorted((n.pitch, round(n.start, 3), round(n.end, 3))
                   for n in pretty_midi.PrettyMIDI(str(path)).instruments[0].notes)
    q = 60 / music.BPM
    assert notes == [(60, round(3 * q, 3), round(4 * q, 3)), (64, 0, round(q, 3)),
                     (65, round(q, 3), round(2 * q, 3)), (72, 0, round(2 * q, 3))]
