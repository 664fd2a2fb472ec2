"""The generation topology: data shapes, masked loss, seeded sampling, and the in-graph
decoding loop against the Python per-step reference decoder (tiny untrained models)."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest
import tensorflow as tf

from seqkeras.constants import END_ID, START_ID
from seqkeras.topologies import get_topology
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia",
         "harper", "evelyn", "abigail", "emily", "ella", "elizabeth", "camila", "luna"]


def make_spec(**model):
    return fixed_spec({
        "name": "gen_tiny", "topology": "generation", "seed": 3,
        "data": {"sources": [{"path": "unused.txt"}]},
        "tokenize": {"level": "char", "max_length": 16},
        "model": {"embedding_dim": 8, "units": 8, "layers": 2, "cell": "gru", **model},
        "train": {"batch_size": 4, "epochs": 1, "learning_rate": 0.01}})


def setup(tmp_path, records=None, **model):
    spec = make_spec(**model)
    topo = get_topology("generation")
    records = records or [{"text": t} for t in NAMES]
    topo.fit_preprocessor(spec, records, tmp_path)
    prep = topo.load_preprocessor(spec, tmp_path)
    return spec, topo, prep, topo.build_model(spec, prep), records


def serve(topo, spec, prep, model, inputs):
    fn = topo.serving_endpoints(spec, prep, model)["serving_default"][0]
    out = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in out.items()}


def test_teacher_forcing_pairs_and_logit_shapes(tmp_path):
    spec, topo, prep, model, records = setup(tmp_path)
    x, y = next(iter(topo.make_dataset(spec, prep, records[:3], training=False)))
    x, y = x.numpy(), y.numpy()
    assert x.shape == y.shape == (3, len("olivia") + 1)
    assert (x[:, 0] == START_ID).all()
    for row_x, row_y, name in zip(x, y, NAMES[:3]):
        n = len(name)
        assert (row_x[1:n + 1] == row_y[:n]).all()          # shifted by one
        assert row_y[n] == END_ID and (row_y[n + 1:] == 0).all()
        assert [prep.encoder.vocab[i] for i in row_y[:n]] == list(name)
    assert model(x).shape == (3, x.shape[1], prep.encoder.vocab_size)


def test_padding_changes_nothing_in_the_loss(tmp_path):
    spec, topo, prep, model, records = setup(tmp_path)
    x, y = next(iter(topo.make_dataset(spec, prep, records[:4], training=False)))
    loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    pad = lambda t: tf.pad(t, [[0, 0], [0, 7]])  # noqa: E731
    padded = model.compute_loss(x=pad(x), y=pad(y), y_pred=model(pad(x)))
    np.testing.assert_allclose(float(loss), float(padded), rtol=1e-5)
    # and the loss is the mean over real steps (chars + [END]): the same as the NLL
    total, count = topo.nll(spec, prep, model, records[:4])
    assert count == sum(len(n) + 1 for n in NAMES[:4])
    np.testing.assert_allclose(float(loss), total / count, rtol=1e-4)


def test_bidirectional_is_rejected():
    with pytest.raises(pydantic.ValidationError, match="backward layer would see the future"):
        make_spec(bidirectional=True)  # by the schema (generation/spec.py), before any stage


def inputs_batch(n=6):
    return {"prefix": np.array(["", "e", "ol", "", "ava", "zz"][:n], dtype=object),
            "temperature": np.array([1.0, 1.0, 0.7, 0.0, 1.5, 1.0][:n], np.float32),
            "max_length": np.array([12, 6, 9, 8, 0, 5][:n], np.int32),
            "seed": np.array([0, 1, 2, 3, 4, 5][:n], np.int64)}


@pytest.mark.parametrize("cell", ["gru", "lstm", "simple_rnn", "min_gru", "min_lstm"])
def test_in_graph_loop_equals_the_python_decoder(tmp_path, cell):
    spec, topo, prep, model, _ = setup(tmp_path, cell=cell)
    inputs = inputs_batch()
    out = serve(topo, spec, prep, model, inputs)
    want = topo.reference_decode(spec, prep, model, inputs)
    got = [s.decode() for s in out["text"]]
    assert got == want
    assert got[4] == "ava" and out["length"][4] == 0              # max_length 0: prefix only
    assert got[1].startswith("e") and got[2].startswith("ol")
    assert (out["length"] <= inputs["max_length"]).all()
    assert [len(s.decode()) for s in out["continuation"]] == out["length"].tolist()
    # untrained models rarely stop early: some rows must hit their limit
    assert (out["length"] == inputs["max_length"]).any()
    # fixed seeds reproduce; another seed changes at least one sampled row
    assert [s.decode() for s in serve(topo, spec, prep, model, inputs)["text"]] == got
    other = dict(inputs, seed=inputs["seed"] + 100)
    assert [s.decode() for s in serve(topo, spec, prep, model, other)["text"]] != got
    # a row decodes the same alone as in a batch
    alone = {k: v[2:3] for k, v in inputs.items()}
    assert serve(topo, spec, prep, model, alone)["text"][0].decode() == got[2]


def test_conditioning_on_a_label(tmp_path):
    """Two synthetic classes: 'a' names are a's, 'b' names are b's. A few hundred steps
    teach the conditioned model which letter to write; the loops agree on it."""
    records = [{"text": "a" * (3 + i % 4), "label": "as"} for i in range(40)] + \
              [{"text": "b" * (3 + i % 4), "label": "bs"} for i in range(40)]
    spec, topo, prep, model, _ = setup(tmp_path, records, condition_dim=4, units=16)
    assert prep.labels == ["as", "bs"]
    assert [i.name for i in model.inputs] == ["token_ids", "condition_ids"]
    ds = topo.make_dataset(spec, prep, records, training=True)
    model.fit(ds.repeat(), epochs=1, steps_per_epoch=150, verbose=0)
    inputs = {**inputs_batch(4), "prefix": np.array(["", "", "", ""], dtype=object),
              "temperature": np.zeros(4, np.float32),
              "max_length": np.full(4, 6, np.int32),
              "condition": np.array(["as", "bs", "bs", "as"], dtype=object)}
    out = serve(topo, spec, prep, model, inputs)
    got = [s.decode() for s in out["text"]]
    assert got == topo.reference_decode(spec, prep, model, inputs)
    assert set(got[0]) == {"a"} and set(got[1]) == {"b"}
    sampled = dict(inputs, temperature=np.ones(4, np.float32))
    assert [s.decode() for s in serve(topo, spec, prep, model, sampled)["text"]] == \
        topo.reference_decode(spec, prep, model, sampled)


def test_predict_arguments_and_formatting():
    topo = get_topology("generation")
    sig = {k: None for k in ("prefix", "temperature", "max_length", "seed")}
    parsed = topo.parse_predict_inputs(sig, ["", "ka", "temperature=0.5", "seed=7"])
    assert parsed["prefix"].tolist() == ["", "ka"]
    assert parsed["temperature"].dtype == np.float32 and (parsed["temperature"] == 0.5).all()
    assert parsed["seed"].tolist() == [7, 8] and parsed["seed"].dtype == np.int64
    assert parsed["max_length"].dtype == np.int32
    lines = topo.format_prediction(parsed, {"text": np.array([b"emma", b"kai"], dtype=object)})
    assert lines[1].endswith("kai") and "'ka'" in lines[1]


def test_predict_defaults_are_the_exported_generate_section():
    topo = get_topology("generation")
    spec = make_spec().with_overrides({"generate.max_length": 12, "generate.temperature": 0.4})
    meta = topo.export_metadata(spec, None)
    assert meta == {"temperature": 0.4, "max_length": 12}
    sig = {k: None for k in ("prefix", "temperature", "max_length", "seed")}
    try:
        topo.use_export_metadata(meta)
        parsed = topo.parse_predict_inputs(sig, ["ka"])
        assert parsed["max_length"].tolist() == [12]
        assert parsed["temperature"].tolist() == [pytest.approx(0.4)]
        assert topo.parse_predict_inputs(sig, ["ka", "max_length=5"])["max_length"].tolist() == [5]
    finally:
        topo.use_export_metadata({})  # an export without it: the schema's defaults
    default = make_spec().generate.max_length
    assert topo.parse_predict_inputs(sig, ["ka"])["max_length"].tolist() == [default]


@pytest.mark.parametrize("args, phrase", [
    (["temprature=0"], "unknown option 'temprature'"),
    (["temperature=hot"], "temperature='hot' is not a number"),
    (["seed=1.5"], "seed='1.5' is not a whole number"),
])
def test_predict_refuses_misspelt_options_and_bad_numbers(args, phrase):
    from seqkeras.errors import SeqkerasError

    sig = {k: None for k in ("prefix", "temperature", "max_length", "seed")}
    with pytest.raises(SeqkerasError, match=phrase):
        get_topology("generation").parse_predict_inputs(sig, args)
    # a prefix that holds '=' but is not key=value stays a prefix
    assert get_topology("generation").parse_predict_inputs(sig, ["1=one"])["prefix"].tolist() \
        == ["1=one"]
