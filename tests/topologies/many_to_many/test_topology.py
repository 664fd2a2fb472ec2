"""seqkeras.topologies.many_to_many: tagging models on a tiny vocabulary,
padding invariance, the CRF against brute force, the in-graph tokenizer and serving."""

from __future__ import annotations

import json


import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import DataError
from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.many_to_many.tagger_model import PAD_TAG, MaskedTokenAccuracy, TaggerModel
from seqkeras.topologies.many_to_many.featurizer import CASINGS
from seqkeras.topologies.many_to_many.display import bracket_entities, slash_tags
from seqkeras.topologies.many_to_many.topology import ManyToMany
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

RECORDS = [
    {"tokens": ["Rand", "is", "a", "friend", "of", "Perrin", "."],
     "tags": ["B-PER", "O", "O", "O", "O", "B-PER", "O"]},
    {"tokens": ["They", "live", "in", "the", "Two", "Rivers", "."],
     "tags": ["O", "O", "O", "O", "B-LOC", "I-LOC", "O"]},
    {"tokens": ["Mr.", "Cauthon", "joined", "the", "Band", "of", "the", "Red", "Hand", "in", "1996"],
     "tags": ["O", "B-PER", "O", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O"]},
    {"tokens": ["Mr.", "Rand", "al'Thor", "left", "Emond", "'s", "Field"],
     "tags": ["O", "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-LOC"]},
]


def make_spec(**sections) -> PipelineSpec:
    model = {"embedding_dim": 6, "units": 5, **sections.pop("model", {})}
    return fixed_spec({
        "name": "t", "topology": "many_to_many", "seed": 3,
        "data": {"sources": [{"path": "x.txt", "format": "conll"}]},
        "tokenize": {"replace": [{"pattern": "[0-9]", "rewrite": "0"}],
                     **sections.pop("tokenize", {})},
        "model": model, **sections})


@pytest.fixture
def prep_dir(tmp_path):
    ManyToMany().fit_preprocessor(make_spec(), RECORDS, tmp_path)
    return tmp_path


def batch(topology, spec, prep, records):
    """The first (only) padded batch of records, features and targets."""
    return next(iter(topology.make_dataset(spec, prep, records, training=False)))


def test_registry_and_spec_fields():
    assert isinstance(get_topology("many_to_many"), ManyToMany)
    spec = make_spec(model={"crf": True, "char_embedding_dim": 4, "char_encoder": "cnn",
                            "casing_dim": 3, "word_dropout": 0.1})
    assert spec.model.char_encoder == "cnn" and spec.model.char_max_length == 20


def test_fit_preprocessor_vocabularies_from_training_tokens(prep_dir):
    vocab = (prep_dir / "vocab.txt").read_text().split("\n")[:-1]
    assert vocab[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]
    # word keys are lowercased and digits rewritten; characters keep their case
    assert "rand" in vocab and "Rand" not in vocab and "0000" in vocab and "1996" not in vocab
    chars = (prep_dir / "chars.txt").read_text().split("\n")[:-1]
    assert "R" in chars and "r" in chars and "'" in chars
    tags = (prep_dir / "tags.txt").read_text().split("\n")[:-1]
    assert tags[0] == "O" and sorted(tags[1:]) == tags[1:]
    assert set(tags) == {t for r in RECORDS for t in r["tags"]}
    # "Mr." occurs twice: learned as an abbreviation the in-graph tokenizer keeps whole
    assert (prep_dir / "abbreviations.txt").read_text().split() == ["Mr."]
    prep = ManyToMany().load_preprocessor(make_spec(), prep_dir)
    assert prep.tags == tags and prep.featurizer.vocab_size == len(vocab)


def test_fit_preprocessor_rejects_untagged_records(tmp_path):
    with pytest.raises(DataError, match="tagged token sequences"):
        ManyToMany().fit_preprocessor(make_spec(), [{"text": "a b", "label": "x"}], tmp_path)
    with pytest.raises(DataError, match="tokenize.level"):
        ManyToMany().fit_preprocessor(make_spec(tokenize={"level": "char"}), RECORDS, tmp_path)


def test_featurizer_masks_padding_and_keeps_case_for_chars(prep_dir):
    prep = ManyToMany().load_preprocessor(make_spec(model={"char_max_length": 4}), prep_dir)
    tokens = tf.constant([["Rand", "of", "zzz"], ["RAND", "junk", "junk"]])
    out = prep.featurizer(tokens, tf.constant([3, 1]))
    vocab = prep.featurizer.vocab
    words = out["word_ids"].numpy()
    assert words[0, 0] == words[1, 0] == vocab.index("rand")      # word lookup lowercases
    assert words[0, 2] == 1                                       # unseen word -> [UNK]
    assert (words[1, 1:] == 0).all()                              # past the length: padding
    chars = out["char_ids"].numpy()
    assert chars.shape == (2, 3, 4)                               # cut at char_max_length
    assert chars[0, 0, 0] == chars[1, 0, 0]                       # "R" and "R"
    assert chars[0, 0, 1] != chars[1, 0, 1]                       # "a" vs "A": case kept
    assert (chars[1, 1:] == 0).all()
    assert out["casing_ids"].numpy().tolist() == [
        [CASINGS.index("Title"), CASINGS.index("lower"), CASINGS.index("lower")],
        [CASINGS.index("UPPER"), 0, 0]]


COMBINATIONS = [
    # cell, bidirectional, layers, char_embedding_dim, char_encoder, casing_dim, crf
    ("simple_rnn", False, 1, 0, "lstm", 0, False),
    ("lstm", True, 2, 4, "lstm", 0, True),
    ("gru", True, 1, 4, "gru", 3, False),
    ("lstm", False, 1, 4, "cnn", 3, True),
    ("gru", False, 2, 0, "cnn", 2, True),
]


@pytest.mark.parametrize("cell, bidirectional, layers, char_dim, char_encoder, casing, crf",
                         COMBINATIONS)
def test_models_build_train_and_round_trip(prep_dir, tmp_path, cell, bidirectional, layers,
                                           char_dim, char_encoder, casing, crf):
    spec = make_spec(model={"cell": cell, "bidirectional": bidirectional, "layers": layers,
                            "char_embedding_dim": char_dim, "char_encoder": char_encoder,
                            "char_units": 3, "casing_dim": casing, "crf": crf,
                            "word_dropout": 0.1, "embedding_dropout": 0.1},
                     train={"batch_size": 4})
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    assert isinstance(model, TaggerModel) and (model.crf_layer is not None) == crf
    assert sorted(t.name for t in model.inputs) == ["casing_ids", "char_ids", "word_ids"]
    names = {layer.name for layer in model.layers}
    assert ("char_encoder" in names) == bool(char_dim)
    assert ("casing_embedding" in names) == bool(casing)
    features, tags = batch(topology, spec, prep, RECORDS)
    assert model(features).shape == (4, 11, len(prep.tags))
    history = model.fit(topology.make_dataset(spec, prep, RECORDS, training=True), epochs=2,
                        verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "m.keras")
    clone = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(clone, TaggerModel) and (clone.crf_layer is not None) == crf
    np.testing.assert_allclose(clone(features), model(features), rtol=1e-5, atol=1e-5)
    if crf:
        np.testing.assert_allclose(clone.crf_layer.transitions.numpy(),
                                   model.crf_layer.transitions.numpy())


def test_lr_decay_is_an_inverse_time_schedule_per_epoch(prep_dir):
    topology = ManyToMany()
    spec = make_spec(model={"lr_decay": 0.5}, train={"batch_size": 3, "learning_rate": 0.01})
    prep = topology.load_preprocessor(spec, prep_dir)
    assert prep.train_sentences == len(RECORDS)
    config = topology.build_model(spec, prep).optimizer.get_config()["learning_rate"]
    schedule = keras.optimizers.schedules.deserialize(config)
    assert schedule.decay_steps == 2                      # 4 sentences, batches of 3
    assert float(schedule(4)) == pytest.approx(0.01 / 2)  # after two epochs: 0.01 / (1 + 0.5 * 2)
    constant = topology.build_model(make_spec(), prep).optimizer.get_config()["learning_rate"]
    assert constant == pytest.approx(1e-3)


@pytest.mark.parametrize("crf, char_dim, char_encoder, casing", [
    (True, 4, "lstm", 2), (False, 4, "cnn", 2), (True, 0, "lstm", 2), (False, 3, "gru", 0)])
def test_padding_changes_nothing(prep_dir, crf, char_dim, char_encoder, casing):
    # bidirectional: the backward pass reads the padding first unless every feature masks it
    spec = make_spec(model={"bidirectional": True, "crf": crf, "char_embedding_dim": char_dim,
                            "char_encoder": char_encoder, "casing_dim": casing})
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    endpoints = topology.serving_endpoints(spec, prep, model)
    serve_tokens = endpoints["from_tokens"][0]
    alone = serve_tokens(tf.constant([RECORDS[0]["tokens"]]), tf.constant([7], tf.int64))
    # the same sentence in a batch beside a longer one, with junk past its length
    padded = tf.constant([RECORDS[0]["tokens"] + ["Zzz", "Rand", "x", "y"],
                          RECORDS[2]["tokens"]])
    together = serve_tokens(padded, tf.constant([7, 11], tf.int64))
    assert together["tags"].numpy()[0, :7].tolist() == alone["tags"].numpy()[0].tolist()
    assert together["tags"].numpy()[0, 7:].tolist() == [b""] * 4
    assert together["tokens"].numpy()[0, 7:].tolist() == [b""] * 4
    # potentials of the real steps are identical, loss and accuracy too
    f_alone = prep.featurizer(tf.constant([RECORDS[0]["tokens"]]), [7])
    f_pad = prep.featurizer(padded, [7, 11])
    p_alone, p_pad = model(f_alone), model(f_pad)
    np.testing.assert_allclose(p_pad[0, :7], p_alone[0], rtol=1e-5, atol=1e-5)
    y = [prep.tag_index[t] for t in RECORDS[0]["tags"]]
    y_alone = tf.constant([y])
    y_pad = tf.constant([y + [PAD_TAG] * 4])
    loss_alone = model.compute_loss(y=y_alone, y_pred=p_alone)
    loss_pad = model.compute_loss(y=y_pad, y_pred=p_pad[:1])
    np.testing.assert_allclose(loss_pad, loss_alone, rtol=1e-5)
    acc_a, acc_p = MaskedTokenAccuracy(), MaskedTokenAccuracy()
    acc_a.update_state(y_alone, p_alone)
    acc_p.update_state(y_pad, p_pad[:1])
    assert float(acc_a.result()) == pytest.approx(float(acc_p.result()))


def test_serving_endpoints_align_tags_with_tokens(prep_dir):
    spec = make_spec(model={"crf": True, "casing_dim": 2, "char_embedding_dim": 3,
                            "char_encoder": "cnn"})
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    endpoints = topology.serving_endpoints(spec, prep, model)
    assert list(endpoints) == ["serving_default", "from_tokens"]
    text = topology.example_inputs(RECORDS + [{"text": "untagged"}], 10)["text"]
    assert text.dtype == object and len(text) == 4 and text[0] == "Rand is a friend of Perrin ."
    out = endpoints["serving_default"][0](tf.constant(list(text) + ["", "Rand"]))
    tokens, tags, lengths = (out[k].numpy() for k in ("tokens", "tags", "lengths"))
    assert lengths.tolist() == [7, 7, 11, 7, 0, 1]
    for row_tokens, row_tags, n, record in zip(tokens, tags, lengths, RECORDS):
        assert [t.decode() for t in row_tokens[:n]] == record["tokens"]
        assert all(t.decode() in prep.tags for t in row_tags[:n])
        assert (row_tags[n:] == b"").all() and (row_tokens[n:] == b"").all()
    same = endpoints["from_tokens"][0](tf.constant(tokens), tf.constant(lengths))
    assert same["tags"].numpy().tolist() == tags.tolist()
    lines = topology.format_prediction({"text": text}, {k: v.numpy() for k, v in out.items()})
    assert len(lines) == 6 and lines[4] == ""
    # batches with no word at all: empty outputs, not a failed scatter in the char encoder
    for empty in ([""], ["", "   "], []):
        out = endpoints["serving_default"][0](tf.constant(empty, tf.string))
        assert out["lengths"].numpy().tolist() == [0] * len(empty), empty
        assert out["tags"].shape[0] == len(empty)


@pytest.mark.parametrize("truncate, want", [("keep_start", ["Rand", "is", "a"]),
                                             ("keep_end", ["of", "Perrin", "."])])
def test_from_tokens_cuts_like_training(prep_dir, truncate, want):
    spec = make_spec(tokenize={"max_length": 3, "truncate": truncate})
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    serve = topology.serving_endpoints(spec, prep, topology.build_model(spec, prep))
    tokens = tf.constant([RECORDS[0]["tokens"], ["Two", "Rivers", "", "", "", "", ""]])
    out = serve["from_tokens"][0](tokens, tf.constant([7, 2], tf.int64))
    assert out["lengths"].numpy().tolist() == [3, 2]
    assert [t.decode() for t in out["tokens"].numpy()[0]] == want
    assert out["tokens"].numpy()[1].tolist() == [b"Two", b"Rivers", b""]
    assert (out["tags"].numpy()[0] != b"").all() and out["tags"].numpy()[1, 2] == b""
    # the raw-text signature cuts the same way
    text = serve["serving_default"][0](tf.constant([" ".join(RECORDS[0]["tokens"])]))
    assert [t.decode() for t in text["tokens"].numpy()[0]] == want


def test_bracket_entities():
    tokens = "Rand is a friend of Perrin and they live in the Two Rivers".split()
    tags = ["B-PER", "O", "O", "O", "O", "B-PER", "O", "O", "O", "O", "O", "B-LOC", "I-LOC"]
    assert bracket_entities(tokens, tags) == \
        "[Rand]PER is a friend of [Perrin]PER and they live in the [Two Rivers]LOC"
    assert bracket_entities(["a", "b"], ["O", "O"]) == "a b"
    # I- of another type after B- starts a new entity (CoNLL semantics)
    assert bracket_entities(["New", "York"], ["B-ORG", "I-LOC"]) == "[New]ORG [York]LOC"


def test_slash_tags():
    assert slash_tags(["The", "cat", "sat"], ["DT", "NN", "VBD"]) == "The/DT cat/NN sat/VBD"
    assert slash_tags([], []) == ""


def test_predict_lines_follow_the_tag_set(prep_dir):
    """Chunk tags (B-PER ...) are bracketed; token tags (POS) are written word/TAG, as
    the export's metadata says; an export without the key brackets, as before."""
    topology = ManyToMany()
    prep = topology.load_preprocessor(make_spec(), prep_dir)
    assert topology.export_metadata(make_spec(), prep) == {"chunk_tags": True}
    outputs = {"tokens": np.array([[b"Rand", b"runs", b""]], dtype=object),
               "tags": np.array([[b"B-PER", b"O", b""]], dtype=object),
               "lengths": np.array([2])}
    topology.use_export_metadata({})
    assert topology.format_prediction({"text": None}, outputs) == ["[Rand]PER runs"]
    topology.use_export_metadata({"chunk_tags": False})
    outputs["tags"] = np.array([[b"NNP", b"VBZ", b""]], dtype=object)
    assert topology.format_prediction({"text": None}, outputs) == ["Rand/NNP runs/VBZ"]


def test_evaluate_writes_entity_report(prep_dir, tmp_path):
    spec = make_spec(model={"crf": True})
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    metrics = topology.evaluate(spec, prep, model, RECORDS, tmp_path)
    for name in ("entity_f1", "entity_precision", "entity_recall", "token_accuracy", "loss"):
        assert np.isfinite(metrics[name])
    assert 0 <= metrics["token_accuracy"] <= 1 and metrics["loss"] > 0
    assert {"entity_f1_PER", "entity_f1_LOC", "entity_f1_ORG"} <= set(metrics)
    assert (tmp_path / "entity_report.json").exists() and (tmp_path / "entity_f1.png").exists()
    assert "| PER |" in (tmp_path / "entity_report.md").read_text()
    # the predictions evaluate() scores are the ones the serving graph gives
    predicted, _ = topology.predict_tags(spec, prep, model, RECORDS)
    # with a kept cache (the per-epoch val F1) the traced step is reused, not retraced
    cache = {}
    assert topology.predict_tags(spec, prep, model, RECORDS, cache)[0] == predicted
    step, traces = cache["value"], cache["value"].experimental_get_tracing_count()
    assert topology.predict_tags(spec, prep, model, RECORDS, cache)[0] == predicted
    assert cache["value"] is step and step.experimental_get_tracing_count() == traces
    served = topology.serving_endpoints(spec, prep, model)["serving_default"][0](
        tf.constant([" ".join(r["tokens"]) for r in RECORDS]))["tags"].numpy()
    for row, want in zip(served, predicted):
        assert [t.decode() for t in row[:len(want)]] == want
    # the in-graph tokenizer reproduces these tokens: served figures equal the corpus ones
    assert metrics["raw_text_entity_f1"] == pytest.approx(metrics["entity_f1"])
    assert metrics["raw_text_token_accuracy"] == pytest.approx(metrics["token_accuracy"])
    assert metrics["unseen_label_records"] == 0


def test_test_tags_unseen_in_training_count_as_errors(prep_dir, tmp_path):
    spec = make_spec()
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    odd = {"tokens": ["Rand", "visited", "Tear"], "tags": ["B-PER", "O", "B-CITY"]}
    metrics = topology.evaluate(spec, prep, model, RECORDS + [odd], tmp_path)
    assert metrics["unseen_label_records"] == 1 and metrics["unseen_tag_tokens"] == 1
    report = json.loads((tmp_path / "entity_report.json").read_text())
    assert report["per_type"]["CITY"]["support"] == 1 and report["per_type"]["CITY"]["f1"] == 0


def test_epoch_callback_puts_val_entity_f1_into_the_logs(prep_dir):
    spec = make_spec()
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    model = topology.build_model(spec, prep)
    [callback] = topology.epoch_callbacks(spec, prep, RECORDS)
    callback.set_model(model)
    logs = {"val_loss": 1.0}
    callback.on_epoch_end(0, logs)
    predicted, _ = topology.predict_tags(spec, prep, model, RECORDS)
    from seqkeras.topologies.many_to_many.metrics import entity_report
    assert logs["val_entity_f1"] == entity_report([r["tags"] for r in RECORDS], predicted)["f1"]


def test_unseen_tags_are_reported_once_a_run(prep_dir, caplog):
    """The warning came again with every epoch's validation dataset."""
    spec = make_spec()
    topology = ManyToMany()
    prep = topology.load_preprocessor(spec, prep_dir)
    odd = [{"tokens": ["Rand", "visited", "Tear"], "tags": ["B-PER", "O", "B-CITY"]}]
    with caplog.at_level("WARNING"):
        for _ in range(3):
            topology.make_dataset(spec, prep, odd, training=False)
    said = [r for r in caplog.records if "unseen in training" in r.getMessage()]
    assert len(said) == 1 and "B-CITY x1" in said[0].getMessage()
