"""The seq2seq topology on tiny untrained models: teacher-forcing pairs, masking on both
sides, the in-graph greedy loop against the Python per-step decoder, beam search of
width one against greedy, and the served outputs."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest
import tensorflow as tf

from seqkeras.constants import END_ID, START_ID
from seqkeras.errors import DataError
from seqkeras.topologies.seq2seq.decoder import Seq2SeqDecoder, python_greedy, visible_lengths
from seqkeras.topologies import get_topology
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

PAIRS = [("I am cold.", "J'ai froid."), ("Go away!", "Va-t'en !"),
         ("He is tall.", "Il est grand."), ("We are late.", "Nous sommes en retard."),
         ("She runs.", "Elle court."), ("I know.", "Je sais."),
         ("It's me.", "C'est moi."), ("Thank you.", "Merci.")]
RECORDS = [{"text": s, "target": t} for s, t in PAIRS]


def make_spec(source_level="word", target_level="word_marked", **model):
    return fixed_spec({
        "name": "s2s_tiny", "topology": "seq2seq", "seed": 3,
        "data": {"sources": [{"path": "unused.tsv", "target_field": 1}]},
        "tokenize": {"level": source_level, "max_length": 12},
        "target_tokenize": {"level": target_level, "lowercase": False, "max_length": 12},
        "model": {"embedding_dim": 8, "units": 8, "cell": "gru", **model},
        "train": {"batch_size": 4, "epochs": 1, "learning_rate": 0.01},
        "generate": {"max_length": 10}})


def setup(tmp_path, **options):
    spec = make_spec(**options)
    topo = get_topology("seq2seq")
    topo.fit_preprocessor(spec, RECORDS, tmp_path)
    prep = topo.load_preprocessor(spec, tmp_path)
    return spec, topo, prep, topo.build_model(spec, prep)


def source_ids(prep, texts):
    return prep.source(tf.constant(texts)).to_tensor().numpy()


def test_teacher_forcing_pairs(tmp_path):
    spec, topo, prep, model = setup(tmp_path)
    x, y = next(iter(topo.make_dataset(spec, prep, RECORDS[:2], training=False)))
    tgt_in, y = x["target_in_ids"].numpy(), y.numpy()
    assert (tgt_in[:, 0] == START_ID).all()
    for row_in, row_out in zip(tgt_in, y):
        n = int((row_out > 0).sum())
        assert row_out[n - 1] == END_ID                      # target = tokens + [END]
        np.testing.assert_array_equal(row_in[1:n], row_out[:n - 1])  # shifted by one
    words = [prep.target.vocab[i] for i in y[0] if i > END_ID]
    assert "".join(words).replace("\u2581", " ").strip() == "J'ai froid."


@pytest.mark.parametrize("attention", ["none", "bahdanau", "luong"])
@pytest.mark.parametrize("bidirectional,cell,norm", [(True, "lstm", False), (False, "gru", True)])
def test_padding_changes_nothing_on_either_side(tmp_path, attention, bidirectional, cell, norm):
    spec, topo, prep, model = setup(tmp_path, attention=attention, bidirectional=bidirectional,
                                    cell=cell, head_layer_norm=norm)
    src = source_ids(prep, ["i am cold ."])
    tgt = np.array([[START_ID, 5, 6]], np.int64)
    base = model({"source_ids": src, "target_in_ids": tgt}).numpy()
    padded = model({"source_ids": np.pad(src, [[0, 0], [0, 4]]),
                    "target_in_ids": np.pad(tgt, [[0, 0], [0, 3]])}).numpy()
    np.testing.assert_allclose(padded[:, :3], base, rtol=1e-5, atol=1e-5)


def test_loss_ignores_target_padding(tmp_path):
    spec, topo, prep, model = setup(tmp_path)
    (x, y), = list(topo.make_dataset(spec, prep, RECORDS[:1], training=False))
    wide_x = {k: np.pad(v.numpy(), [[0, 0], [0, 5]]) for k, v in x.items()}
    a = float(model.compute_loss(x, y, model(x)))
    b = float(model.compute_loss(wide_x, np.pad(y.numpy(), [[0, 0], [0, 5]]), model(wide_x)))
    assert a == pytest.approx(b, rel=1e-5)


@pytest.mark.parametrize("attention,norm,cell", [
    ("none", False, "gru"), ("bahdanau", False, "gru"), ("luong", False, "gru"),
    ("none", True, "gru"), ("bahdanau", True, "gru"), ("bahdanau", True, "min_gru"),
    ("none", False, "min_lstm")])
def test_in_graph_greedy_equals_the_python_loop(tmp_path, attention, norm, cell):
    """The in-graph step must apply every layer the model does (head_norm included); the
    min cells' decoder starts from the encoder's final states and steps the trained cell."""
    spec, topo, prep, model = setup(tmp_path, attention=attention, bidirectional=True,
                                    head_layer_norm=norm, cell=cell)
    assert ("head_norm" in {layer.name for layer in model.layers}) == norm
    model.fit(topo.make_dataset(spec, prep, RECORDS, training=True), epochs=3, verbose=0)
    src = source_ids(prep, [s for s, _ in PAIRS[:5]])
    ids, lengths, attn = Seq2SeqDecoder(model).greedy(tf.constant(src), 10)
    ids, lengths = ids.numpy(), lengths.numpy()
    expected = python_greedy(model, src, 10)
    for row, n, want in zip(ids, lengths, expected):
        assert row[:n].tolist() == want
    assert attn.shape[:2] == ids.shape and attn.shape[2] == src.shape[1]


@pytest.mark.parametrize("attention", ["none", "luong"])
def test_beam_of_one_is_greedy_and_wider_beams_finish(tmp_path, attention):
    spec, topo, prep, model = setup(tmp_path, attention=attention)
    model.fit(topo.make_dataset(spec, prep, RECORDS, training=True), epochs=2, verbose=0)
    decoder = Seq2SeqDecoder(model)
    src = tf.constant(source_ids(prep, [s for s, _ in PAIRS]))
    g_ids, g_len, g_att = decoder.greedy(src, 9)
    b_ids, b_len, b_att = decoder.beam_search(src, 9, beam_size=1, alpha=0.6)
    np.testing.assert_array_equal(g_ids.numpy(), b_ids.numpy())
    np.testing.assert_array_equal(g_len.numpy(), b_len.numpy())
    np.testing.assert_allclose(g_att.numpy(), b_att.numpy(), atol=1e-6)
    w_ids, w_len, _ = decoder.beam_search(src, 9, beam_size=4, alpha=0.6)
    assert w_ids.shape[0] == len(PAIRS) and (w_len.numpy() <= 9).all()


def test_visible_lengths_stop_at_end():
    ids = tf.constant([[5, 6, END_ID, 0], [7, END_ID, 0, 0], [5, 5, 5, 5]], tf.int64)
    assert visible_lengths(ids).numpy().tolist() == [2, 1, 4]


def test_served_outputs(tmp_path):
    spec, topo, prep, model = setup(tmp_path, attention="bahdanau")
    fn, signature = topo.serving_endpoints(spec, prep, model)["serving_default"]
    assert [s.name for s in signature] == ["source"]
    out = {k: v.numpy() for k, v in fn(tf.constant(["I am cold.", "", "Go away!"])).items()}
    assert set(out) == {"translation", "tokens", "length", "attention", "source_tokens"}
    n = out["length"]
    assert out["translation"].shape == (3,) and (n <= spec.generate.max_length).all()
    for row, length in zip(out["attention"], n):
        np.testing.assert_allclose(row[:length].sum(-1), 1.0, rtol=1e-4)
        assert np.all(row[length:] == 0)
    assert [t.decode() for t in out["source_tokens"][0] if t] == ["i", "am", "cold", "."]
    # every word of the translation is one of its tokens (joined by the ▁ marks)
    words = b"".join(out["tokens"][0][:n[0]]).decode().replace("\u2581", " ").strip()
    assert out["translation"][0].decode() == words


def test_per_epoch_chrf_reuses_one_traced_decoder(tmp_path):
    """The val chrF callback decodes every epoch with the same traced function (no
    retracing per epoch), and what it decodes matches a fresh decoder's answer."""
    spec, topo, prep, model = setup(tmp_path, attention="luong")
    cache = {}
    first = topo.translate_all(spec, prep, model, RECORDS, 1, cache)
    fn, traces = cache["value"], cache["value"].experimental_get_tracing_count()
    again = topo.translate_all(spec, prep, model, RECORDS, 1, cache)
    assert cache["value"] is fn and fn.experimental_get_tracing_count() == traces == 1
    fresh = topo.translate_all(spec, prep, model, RECORDS, 1)
    for source, out in first.items():
        assert out["translation"] == again[source]["translation"] == \
            fresh[source]["translation"]
    [callback] = topo.epoch_callbacks(spec, prep, RECORDS)
    logs = {}
    callback.set_model(model)
    callback.on_epoch_end(0, logs)
    assert 0 <= logs["val_chrf"] <= 100


def test_wordpiece_on_both_sides_trains_and_serves_joined_text(tmp_path):
    spec, topo, prep, model = setup(tmp_path, source_level="wordpiece",
                                    target_level="wordpiece", attention="luong")
    assert any(t.startswith("##") for t in prep.target.vocab)
    x, y = next(iter(topo.make_dataset(spec, prep, RECORDS[:1], training=False)))
    pieces = [prep.target.vocab[i] for i in y.numpy()[0] if i > END_ID]
    assert prep.join(tf.constant([pieces], tf.string)).numpy()[0].decode() == "J'ai froid."
    model.fit(topo.make_dataset(spec, prep, RECORDS, training=True), epochs=1, verbose=0)
    fn = topo.serving_endpoints(spec, prep, model)["serving_default"][0]
    out = {k: v.numpy() for k, v in fn(tf.constant(["I am cold."])).items()}
    n = int(out["length"][0])
    assert out["translation"][0].decode() == prep.join(
        tf.constant([out["tokens"][0][:n]], tf.string)).numpy()[0].decode()
    assert b"".join(t for t in out["source_tokens"][0] if t).decode() == "\u2581i\u2581am\u2581cold."


def test_no_attention_serves_no_attention_outputs(tmp_path):
    spec, topo, prep, model = setup(tmp_path, attention="none")
    fn = topo.serving_endpoints(spec, prep, model)["serving_default"][0]
    assert set(fn(tf.constant(["I know."]))) == {"translation", "tokens", "length"}


def test_pairs_are_required(tmp_path):
    spec = make_spec()
    with pytest.raises(DataError, match="target_field"):
        get_topology("seq2seq").fit_preprocessor(spec, [{"text": "hi"}], tmp_path)
    with pytest.raises(pydantic.ValidationError, match="no source sets target_field"):
        fixed_spec({**spec.model_dump(), "data": {  # by the schema
            "sources": [{"path": "x.tsv"}]}})
