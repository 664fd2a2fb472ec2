"""seqkeras.layers.ngram_hash: which table rows a text's n-grams read, that padding adds
nothing, the mean / sqrt normalization, n-gram dropout, binary counts, the naive-Bayes
ratios, and the layer checks."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.layers.ngram_hash import NgramHash, nb_log_count_ratio
from tests.layers.layer_testing import run_layer_test

IDS = np.array([[5, 7, 9, 0, 0], [3, 0, 0, 0, 0]], dtype="int64")  # [B, T], 0 = padding


def present_rows(layer, ids):
    rows, present = layer.rows(ids)
    rows, present = np.asarray(rows), np.asarray(present)
    return [sorted(r[p].tolist()) for r, p in zip(rows, present)]


def test_unigrams_are_the_ids_and_ngrams_touching_padding_are_absent():
    layer = NgramHash(vocab_size=10, ngrams=3, buckets=1000)
    first, second = present_rows(layer, IDS)
    assert first[:3] == [5, 7, 9]
    # 3 unigrams, 2 bigrams (5 7, 7 9), 1 trigram (5 7 9); all hashed past the vocabulary
    assert len(first) == 6 and all(10 <= r < 1010 for r in first[3:])
    assert len(set(first[3:])) == 3
    assert second == [3]


def test_the_hash_depends_on_the_ids_and_their_order_not_the_position():
    layer = NgramHash(vocab_size=10, ngrams=2, buckets=2**20)
    rows, present = (np.asarray(t) for t in layer.rows(
        np.array([[5, 7, 5, 7, 7, 5]], dtype="int64")))
    bigrams = rows[0, 6:][present[0, 6:]]
    assert bigrams[0] == bigrams[2]                 # "5 7" twice, same row
    assert bigrams[0] != bigrams[1] != bigrams[3]   # "7 5" and "7 7" differ from it


def test_output_is_the_mean_of_the_present_rows():
    ids = IDS
    out = run_layer_test(NgramHash, {"vocab_size": 10, "ngrams": 2, "buckets": 16, "units": 3,
                                     "dropout": 0.0, "normalize": "mean", "seed": 1,
                                     "name": "bag"},
                         ids, expected_output_shape=(2, 3), expected_num_weights=1)
    np.testing.assert_allclose(out, 0.0)            # the table starts at zero
    layer = NgramHash(vocab_size=10, ngrams=2, buckets=16, units=3)
    layer.build(ids.shape)
    table = np.random.default_rng(0).normal(size=(26, 3)).astype("float32")
    layer.table.assign(table)
    want = [table[r].mean(axis=0) for r in present_rows(layer, ids)]
    np.testing.assert_allclose(np.asarray(layer(ids)), want, rtol=1e-5, atol=1e-6)
    # more padding columns change nothing; no tokens at all give zeros
    padded = np.pad(ids, [[0, 0], [0, 4]])
    np.testing.assert_allclose(np.asarray(layer(padded)), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(np.zeros((1, 3), "int64"))), 0.0)


def test_sqrt_normalization_and_dropout():
    ids = np.array([[1, 2, 3, 4]], dtype="int64")
    layer = NgramHash(vocab_size=5, ngrams=1, units=1, normalize="sqrt", dropout=0.5, seed=3)
    layer.build(ids.shape)
    layer.table.assign(np.ones((5, 1), "float32"))
    np.testing.assert_allclose(np.asarray(layer(ids)), [[4 / 2.0]])   # 4 ones / sqrt(4)
    # training: n-grams are left out at random; k kept of 4 give k / sqrt(k)
    seen = {round(float(np.asarray(layer(ids, training=True))[0, 0]), 4) for _ in range(20)}
    assert len(seen) > 1
    assert seen <= {0.0} | {round(k**0.5, 4) for k in range(1, 5)}


def test_runs_in_a_tf_function_on_unknown_shapes():
    layer = NgramHash(vocab_size=10, ngrams=4, buckets=8)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None], tf.int64)])
    assert fn(tf.constant([[1, 2]], tf.int64)).shape == (1, 1)   # shorter than n
    assert fn(tf.zeros([2, 0], tf.int64)).shape == (2, 1)


def test_binary_counts_a_repeated_ngram_once():
    ids = np.array([[5, 7, 5, 7, 7, 5, 0], [3, 3, 3, 0, 0, 0, 0]], dtype="int64")
    layer = NgramHash(vocab_size=10, ngrams=2, buckets=64, binary=True)
    counted = NgramHash(vocab_size=10, ngrams=2, buckets=64)
    for a, b in zip(present_rows(layer, ids), present_rows(counted, ids)):
        assert a == sorted(set(b))        # the same rows, each once
    assert present_rows(layer, ids)[1][0] == 3 and len(present_rows(layer, ids)[1]) == 2
    # the mean is over distinct n-grams: unigram 3 and bigram "3 3"
    layer.build(ids.shape)
    table = np.arange(74, dtype="float32")[:, None]
    layer.table.assign(table)
    rows = present_rows(layer, ids)[1]
    np.testing.assert_allclose(np.asarray(layer(ids))[1], [table[rows].mean()], rtol=1e-6)


def test_binary_runs_in_a_tf_function_on_unknown_shapes():
    layer = NgramHash(vocab_size=10, ngrams=3, buckets=8, binary=True)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None], tf.int64)])
    assert fn(tf.constant([[1, 1, 2]], tf.int64)).shape == (1, 1)
    assert fn(tf.zeros([2, 0], tf.int64)).shape == (2, 1)


def test_nb_log_count_ratio_counts_texts_per_class():
    # rows 1 and 2 in class-1 texts only, row 3 in both, row 4 in the class-0 text
    rows = np.array([[1, 2, 3], [1, 3, 0], [3, 4, 0]])
    present = rows > 0
    ratio = nb_log_count_ratio([(rows, present, np.array([1, 1, 0]))], num_rows=5, units=1)
    p = 1 + np.array([0, 2, 1, 2, 0.0])          # class 1 counts, plus one
    q = 1 + np.array([0, 0, 0, 1, 1.0])          # class 0
    np.testing.assert_allclose(ratio[:, 0], np.log((p / p.sum()) / (q / q.sum())), rtol=1e-6)
    assert ratio[1, 0] > ratio[3, 0] > ratio[4, 0]
    # softmax heads: one column a class, each against the rest; streaming batches add up
    two = nb_log_count_ratio([(rows[:2], present[:2], np.array([1, 1])),
                              (rows[2:], present[2:], np.array([0]))], num_rows=5, units=2)
    np.testing.assert_allclose(two[:, 1], ratio[:, 0], rtol=1e-6)
    np.testing.assert_allclose(two[:, 0], -ratio[:, 0], rtol=1e-6)
    with pytest.raises(ValueError, match="labels must be in"):
        nb_log_count_ratio([(rows, present, np.array([0, 1, 2]))], num_rows=5, units=1)


def test_nb_weighting_multiplies_the_learnt_vectors_and_round_trips():
    ids = IDS
    out = run_layer_test(NgramHash, {"vocab_size": 10, "ngrams": 2, "buckets": 16, "units": 2,
                                     "binary": True, "nb_weighting": True, "name": "bag"},
                         ids, expected_output_shape=(2, 2), expected_num_weights=2)
    np.testing.assert_allclose(out, 0.0)
    layer = NgramHash(vocab_size=10, ngrams=2, buckets=16, units=2, nb_weighting=True)
    layer.build(ids.shape)
    rng = np.random.default_rng(0)
    table, ratio = (rng.normal(size=(26, 2)).astype("float32") for _ in range(2))
    layer.table.assign(table)
    np.testing.assert_allclose(np.asarray(layer.nb_ratio), 1.0)    # ones until set
    layer.set_nb_ratio(ratio)
    want = [(table * ratio)[r].mean(axis=0) for r in present_rows(layer, ids)]
    np.testing.assert_allclose(np.asarray(layer(ids)), want, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.trainable_weights] == ["table"]
    with pytest.raises(ValueError, match="shape"):
        layer.set_nb_ratio(ratio[:3])
    plain = NgramHash(vocab_size=10)
    plain.build(ids.shape)
    with pytest.raises(ValueError, match="without nb_weighting"):
        plain.set_nb_ratio(ratio)


@pytest.mark.parametrize("kwargs, message", [
    ({"vocab_size": 0}, "vocab_size"), ({"vocab_size": 5, "buckets": 0}, "buckets"),
    ({"vocab_size": 5, "dropout": 1.0}, "dropout"),
    ({"vocab_size": 5, "normalize": "max"}, "normalize")])
def test_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NgramHash(**kwargs)
