"""Fit the n-gram branch as a logistic regression before training (``ngram_branch.prefit``).

Trained by Adam beside the recurrent stack, the bag of n-grams fits the training split
within two epochs (training accuracy 0.99 on IMDB) and early stopping then chooses
between an over-fitted bag and an under-trained recurrent stack; a regularized logistic
regression over the same features, C chosen on held-out data, generalizes better (IMDB,
word 1-2-grams with naive-Bayes weighting and sqrt normalization: test accuracy 0.915
alone, where the jointly trained model reached 0.890-0.901). So the branch's table is
set to that regression's weights (scikit-learn's liblinear solver: a convex problem with
a maintained solver, nothing of ours to tune) and kept fixed, and the recurrent stack
learns on top of it, its logits added to the regression's: an ensemble of the two
(Mesnil et al. 2015, "Ensemble of Generative and Discriminative Techniques for Sentiment
Analysis of Movie Reviews", who combine NBSVM with recurrent models the same way, by
their scores). Only the training split is read: C is chosen on a seeded tenth of it
(a tenth of each class), then the regression is refitted on all of it.

The features are exactly what :class:`~seqkeras.layers.ngram_hash.NgramHash` computes
from the token ids (its rows, its binary counts, its normalization, its naive-Bayes
ratios and its output scale), so the served graph gives the regression's logits.
"""

from __future__ import annotations

import numpy as np

from seqkeras.baselines.linear import logistic_regression

#: Inverse regularization strengths tried on the held-out tenth of the training split.
PREFIT_C = (1.0, 10.0, 100.0, 1000.0)
#: The share of the training split held out to choose C (of each side of every
#: unit's one-against-the-rest labels, so a rare class is held out and kept alike).
HOLDOUT = 0.1
#: C when a side has a single record and nothing can be held out (scikit-learn's default).
FALLBACK_C = 1.0


def stratified_holdout(y: np.ndarray, seed: int):
    """``(kept, held)`` row indices: a seeded ``HOLDOUT`` share of the rows of each value
    of the binary labels ``y`` (at least one of each), the rest kept; None when a value
    has a single row (it cannot be both fitted on and held out)."""
    rng = np.random.default_rng(seed)
    held = []
    for value in (0, 1):
        rows = np.flatnonzero(y == value)
        if len(rows) < 2:
            return None
        held.append(rng.permutation(rows)[:max(1, int(len(rows) * HOLDOUT))])
    held = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(y)), held), held


def bag_features(bag, batches):
    """CSR float64 ``[N, bag.num_rows]``: the bag's input to its table for each text,
    ``present / norm(count)`` (normalization as the layer's ``normalize``), before the
    naive-Bayes ratios and the output scale. ``batches``: token id arrays ``[B, T]``."""
    from scipy.sparse import csr_matrix

    parts_rows, parts_cols, parts_vals, n = [], [], [], 0
    for ids in batches:
        rows, present = (np.asarray(t) for t in bag.rows(ids))
        count = present.sum(axis=1).astype(np.float64)
        norm = np.maximum(count if bag.normalize == "mean" else np.sqrt(count), 1.0)
        text, pos = np.nonzero(present)
        parts_rows.append(text + n)
        parts_cols.append(rows[text, pos])
        parts_vals.append(1.0 / norm[text])
        n += rows.shape[0]
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype))
    return csr_matrix((cat(parts_vals, np.float64),
                       (cat(parts_rows, np.int64), cat(parts_cols, np.int64))),
                      shape=(n, bag.num_rows))


def prefit(bag, features, labels: np.ndarray, seed: int, grid=PREFIT_C):
    """Fit one binary logistic regression a unit of ``bag`` (1 unit: class 1 against
    class 0; more: each class against the rest) on ``features`` (:func:`bag_features`)
    times the bag's naive-Bayes ratios of that unit, C chosen on a seeded tenth of each
    side's rows (:func:`stratified_holdout`; ``FALLBACK_C`` when a side has one row)
    and refitted on all. Sets the bag's table to the weights over ``bag.scale`` and
    returns ``(intercepts [units], {"C": [...], "holdout_accuracy": [...]})``; the
    caller adds the intercepts to the head's bias. ``labels``: int ``[N]`` class ids.
    Raises ValueError when a unit's class is missing from the labels."""
    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels, dtype=np.int64)
    ratio = bag.nb_ratio.numpy() if bag.nb_weighting else None
    classes = [1] if bag.units == 1 else list(range(bag.units))
    table = np.zeros((bag.num_rows, bag.units), np.float32)
    intercepts, chosen, scores = [], [], []
    for j, c in enumerate(classes):
        y = (labels == c).astype(np.int64)
        if y.min() == y.max():
            raise ValueError(f"class {c} is {'every' if y.min() else 'no'} training "
                             "label: a regression for it cannot be fitted")
        x = features @ diags(ratio[:, j]) if ratio is not None else features
        split = stratified_holdout(y, seed)
        if split is None:  # a single record on one side: nothing to hold out
            info = {"C": FALLBACK_C, "val_score": float("nan")}
        else:
            kept, held = split
            _, info = logistic_regression(x[kept], y[kept], x[held], y[held], grid=grid)
        model = LogisticRegression(C=info["C"], solver="liblinear", max_iter=1000)
        model.fit(x, y)
        table[:, j] = model.coef_[0] / bag.scale
        intercepts.append(float(model.intercept_[0]))
        chosen.append(info["C"])
        scores.append(round(float(info["val_score"]), 4))
    bag.table.assign(table)
    return np.array(intercepts, np.float32), {"C": chosen, "holdout_accuracy": scores}
