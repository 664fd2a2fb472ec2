"""seqkeras.topologies.many_to_one.ngram_prefit: the features are the bag's own input,
and the prefitted bag (plus the intercept) gives the regression's decision values."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.ngram_hash import NgramHash, nb_log_count_ratio
from seqkeras.topologies.many_to_one.ngram_prefit import (FALLBACK_C, bag_features, prefit,
                                                         stratified_holdout)


def texts(n=120, seed=0):
    """Token ids [n, 12] (0 pads) whose label is whether id 5 or the pair "7 8" occurs."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(9, 30, size=(n, 12))
    labels = rng.integers(0, 2, size=n)
    for i in np.flatnonzero(labels):
        if i % 2:
            ids[i, 3] = 5
        else:
            ids[i, 6:8] = [7, 8]
    ids[::3, 9:] = 0
    return ids.astype("int64"), labels


@pytest.mark.parametrize("normalize", ["mean", "sqrt"])
def test_features_times_the_table_are_the_bag_output(normalize):
    ids, _ = texts()
    bag = NgramHash(vocab_size=30, ngrams=2, buckets=64, normalize=normalize, binary=True,
                    scale=7.0)
    bag.build(ids.shape)
    table = np.random.default_rng(1).normal(size=(bag.num_rows, 1)).astype("float32")
    bag.table.assign(table)
    features = bag_features(bag, [ids[:50], ids[50:]])
    assert features.shape == (len(ids), bag.num_rows)
    np.testing.assert_allclose(features @ table[:, 0] * 7.0, np.asarray(bag(ids))[:, 0],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("units", [1, 2])
def test_prefit_sets_the_regression_into_the_table(units):
    from sklearn.linear_model import LogisticRegression

    ids, labels = texts()
    bag = NgramHash(vocab_size=30, ngrams=2, buckets=64, units=units, binary=True,
                    nb_weighting=True, normalize="sqrt", scale=30.0)
    bag.build(ids.shape)
    rows, present = (np.asarray(t) for t in bag.rows(ids))
    bag.set_nb_ratio(nb_log_count_ratio([(rows, present, labels)], bag.num_rows, units))
    features = bag_features(bag, [ids])
    intercepts, info = prefit(bag, features, labels, seed=0, grid=(1.0, 10.0))
    assert intercepts.shape == (units,) and len(info["C"]) == units
    logits = np.asarray(bag(ids)) + intercepts
    # unit j is class (1 if units == 1 else j) against the rest: its regression's scores
    for j in range(units):
        c = 1 if units == 1 else j
        x = features.multiply(bag.nb_ratio.numpy()[:, j]).tocsr()
        reg = LogisticRegression(C=info["C"][j], solver="liblinear").fit(x, labels == c)
        np.testing.assert_allclose(logits[:, j], reg.decision_function(x), rtol=1e-4,
                                   atol=1e-4)
    predicted = logits[:, 0] > 0 if units == 1 else logits.argmax(axis=1)
    assert (predicted == labels).mean() > 0.95


def test_a_class_without_examples_is_named():
    ids, labels = texts()
    bag = NgramHash(vocab_size=30, ngrams=1, units=3)
    bag.build(ids.shape)
    with pytest.raises(ValueError, match="class 2 is no training label"):
        prefit(bag, bag_features(bag, [ids]), labels, seed=0, grid=(1.0,))


def test_the_holdout_takes_a_tenth_of_each_side():
    y = np.array([0] * 50 + [1] * 10)
    kept, held = stratified_holdout(y, seed=3)
    assert sorted(np.concatenate([kept, held])) == list(range(60))
    assert (y[held] == 0).sum() == 5 and (y[held] == 1).sum() == 1
    assert (y[kept] == 1).sum() == 9  # the rare class is fitted on too
    assert stratified_holdout(np.array([0, 0, 0, 1]), seed=0) is None


def test_a_class_with_one_training_record_is_fitted_without_a_holdout():
    # one record of class 1 among 40: a random tenth held out could take it away from the
    # fit ("needs at least two classes"); it is fitted on all rows with FALLBACK_C
    ids, _ = texts(40)
    labels = np.zeros(40, dtype=np.int64)
    labels[7] = 1
    bag = NgramHash(vocab_size=30, ngrams=1)
    bag.build(ids.shape)
    for seed in range(5):
        _, info = prefit(bag, bag_features(bag, [ids]), labels, seed=seed, grid=(1.0, 10.0))
        assert info["C"] == [FALLBACK_C] and np.isnan(info["holdout_accuracy"][0])
    labels[8] = 1  # two: one held out, one fitted on, C chosen
    _, info = prefit(bag, bag_features(bag, [ids]), labels, seed=0, grid=(1.0, 10.0))
    assert info["C"][0] in (1.0, 10.0) and not np.isnan(info["holdout_accuracy"][0])
