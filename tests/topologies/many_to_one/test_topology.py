"""seqkeras.topologies.many_to_one: preprocessing, heads, padding invariance, record order."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.errors import DataError, SeqkerasError

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.many_to_one.topology import ManyToOne, uses_sigmoid
from seqkeras.training.batching import seeded_permutation
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults


def make_spec(**sections) -> PipelineSpec:
    return fixed_spec({"name": "t", "data": {"sources": [{"path": "x.csv"}]},
                                        **sections})


def test_uses_sigmoid():
    assert uses_sigmoid(make_spec(), 2) is True
    assert uses_sigmoid(make_spec(), 3) is False
    assert uses_sigmoid(make_spec(model={"head": "softmax"}), 2) is False
    with pytest.raises(SeqkerasError, match="two classes"):
        uses_sigmoid(make_spec(model={"head": "sigmoid"}), 3)


def test_fit_preprocessor_writes_vocab_and_sorted_labels(tmp_path):
    spec = make_spec(tokenize={"max_tokens": 6})
    records = [{"text": "Good good film", "label": "pos"}, {"text": "bad film", "label": "neg"},
               {"text": "film", "label": "pos"}]
    summary = ManyToOne().fit_preprocessor(spec, records, tmp_path)
    # tokens: film x3, good x2, bad x1; max_tokens 6 keeps 4 reserved + film, good
    vocab = (tmp_path / "vocab.txt").read_text().split("\n")[:-1]
    assert vocab == ["[PAD]", "[UNK]", "[START]", "[END]", "film", "good"]
    assert (tmp_path / "labels.txt").read_text() == "neg\npos\n"
    assert summary["vocab_size"] == 6 and summary["num_labels"] == 2
    assert summary["distinct_tokens"] == 3 and summary["train_tokens"] == 6
    assert summary["vocab_coverage"] == pytest.approx(5 / 6)
    prep = ManyToOne().load_preprocessor(spec, tmp_path)
    assert prep.labels == ["neg", "pos"] and prep.label_index == {"neg": 0, "pos": 1}


def test_fit_preprocessor_needs_two_labels(tmp_path):
    with pytest.raises(DataError, match="1 label"):
        ManyToOne().fit_preprocessor(make_spec(), [{"text": "a", "label": "x"}], tmp_path)


def test_example_inputs_and_format_prediction():
    topology = ManyToOne()
    inputs = topology.example_inputs([{"text": "a"}, {"text": "b"}, {"text": "c"}], 2)
    assert inputs["text"].tolist() == ["a", "b"]
    lines = topology.format_prediction(
        {"text": np.array([b"short", "x" * 80], dtype=object)},
        {"label": np.array([b"spam", b"ham"]), "score": np.array([0.9, 0.51])})
    assert lines[0] == f"{'spam':>12}  0.900  short"
    assert lines[1].endswith("x" * 67 + "...") and "0.510" in lines[1]


def built_on_four_words(topology, spec, labels, tmp_path):
    """(prep, model) of ``spec`` fitted on four short char-level texts labelled in turn
    with ``labels``."""
    records = [{"text": t, "label": labels[i % len(labels)]}
               for i, t in enumerate(["abc", "bca", "cab", "aab"])]
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    return prep, topology.build_model(spec, prep)


@pytest.mark.parametrize("cell, bidirectional, pooling, labels", [
    ("simple_rnn", False, "last", ["a", "b"]),
    ("lstm", True, "last", ["a", "b", "c"]),
    ("gru", True, "max", ["a", "b"]),
    ("lstm", False, "mean", ["a", "b", "c"]),
])
def test_padding_changes_nothing(tmp_path, cell, bidirectional, pooling, labels):
    """Masking: extra padding columns must not change a many-to-one prediction."""
    topology = ManyToOne()
    spec = make_spec(model={"cell": cell, "bidirectional": bidirectional, "pooling": pooling,
                            "units": 4, "embedding_dim": 3, "layers": 2},
                     tokenize={"level": "char"})
    prep, model = built_on_four_words(topology, spec, labels, tmp_path)
    ids = prep.encoder(np.array(["abc", "a"])).to_tensor().numpy()
    padded = np.pad(ids, [[0, 0], [0, 5]])
    out = topology.probabilities(spec, prep, model, ids).numpy()
    np.testing.assert_allclose(topology.probabilities(spec, prep, model, padded), out, atol=1e-6)
    assert out.shape == (2, len(labels))
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-6)
    # and the two sequences really are told apart (the test would pass on a constant model)
    assert not np.allclose(out[0], out[1])


def test_training_batches_mix_labels_even_when_the_file_is_sorted(tmp_path):
    """A label-sorted split must not reach training one class at a time."""
    topology = ManyToOne()
    spec = make_spec(tokenize={"level": "char"},
                     train={"shuffle_buffer": 4, "batch_size": 8, "bucket_by_length": False})
    records = [{"text": "ab" * (i % 5 + 1), "label": "a" if i < 50 else "b"} for i in range(100)]
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    first = next(iter(topology.make_dataset(spec, prep, records, training=True)))[1].numpy()
    assert 0 < first.mean() < 1  # both labels in the first batch, despite a buffer of 4
    assert seeded_permutation(records, 1) == seeded_permutation(records, 1)
    assert seeded_permutation(records, 1) != records


@pytest.mark.parametrize("labels", [["a", "b"], ["a", "b", "c"]])
def test_ngram_branch_adds_its_logits_and_padding_changes_nothing(tmp_path, labels):
    """model.ngram_branch: the bag's logits join the head's before the sigmoid/softmax."""
    import keras

    topology = ManyToOne()
    spec = make_spec(model={"units": 4, "embedding_dim": 3, "pooling": "max",
                            "ngram_branch": {"ngrams": 3, "buckets": 64}},
                     tokenize={"level": "char"})
    prep, model = built_on_four_words(topology, spec, labels, tmp_path)
    bag = model.get_layer("ngram_branch")
    assert (bag.ngrams, bag.buckets, bag.units) == (3, 64, 1 if len(labels) == 2 else 3)
    bag.table.assign(np.random.default_rng(0).normal(size=bag.table.shape))
    ids = prep.encoder(np.array(["abc", "a"])).to_tensor().numpy()
    out = topology.probabilities(spec, prep, model, ids).numpy()
    padded = np.pad(ids, [[0, 0], [0, 5]])
    np.testing.assert_allclose(topology.probabilities(spec, prep, model, padded), out, atol=1e-6)
    # the output is the activation of head logits + bag logits
    head = keras.Model(model.input, model.get_layer("head_logits").output)(ids)
    logits = np.asarray(head) + np.asarray(bag(ids))
    want = keras.ops.sigmoid(logits) if len(labels) == 2 else keras.ops.softmax(logits)
    np.testing.assert_allclose(model(ids), want, atol=1e-6)
