"""The baseline of classifying numeric sequences (sensor channels, audio features): a
logistic regression on per-channel summary statistics, C chosen on val.

For a topology that reads numeric sequences ``[T, C]`` per record: it turns each
record into :func:`summary_statistics` and calls :func:`summary_statistics_baseline`
from its ``baseline`` hook.
"""

from __future__ import annotations

import numpy as np

from seqkeras.baselines.compare import BaselineResult, BaselineScore
from seqkeras.baselines.linear import logistic_regression

#: What :func:`summary_statistics` computes per channel, in order.
STATISTICS = ("mean", "std", "min", "max", "first", "last", "mean_abs_diff")


def summary_statistics(sequence) -> np.ndarray:
    """float64 ``[len(STATISTICS) * C]`` from one sequence ``[T, C]`` (or ``[T]``) of
    finite numbers (NaN ignored; an empty sequence gives zeros): per channel its mean,
    standard deviation, minimum, maximum, first and last value and mean absolute step."""
    x = np.asarray(sequence, np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if not len(x):
        return np.zeros(len(STATISTICS) * x.shape[1])
    with np.errstate(all="ignore"):
        diff = np.nanmean(np.abs(np.diff(x, axis=0)), axis=0) if len(x) > 1 \
            else np.zeros(x.shape[1])
        stats = [np.nanmean(x, 0), np.nanstd(x, 0), np.nanmin(x, 0), np.nanmax(x, 0),
                 x[0], x[-1], diff]
    return np.nan_to_num(np.concatenate(stats))


def summary_statistics_baseline(train: tuple, val: tuple, test: tuple) -> BaselineResult:
    """Logistic regression on standardized summary statistics.

    Each argument is ``(features [N, F] float, labels [N])`` (features from
    :func:`summary_statistics`); test labels unseen in training count as errors.
    Returns the test accuracy and macro-F1 as baseline scores.
    """
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train[0])
    model, chosen = logistic_regression(scaler.transform(train[0]), train[1],
                                        scaler.transform(val[0]) if len(val[1]) else val[0],
                                        val[1])
    pred = model.predict(scaler.transform(test[0]))
    acc = float(np.mean(pred == np.asarray(test[1]))) if len(test[1]) else 0.0
    f1 = float(f1_score(test[1], pred, average="macro")) if len(test[1]) else 0.0
    name = f"logistic regression on summary statistics (C={chosen['C']:g} chosen on val)"
    hint = "more epochs or units, or normalizing the channels"
    return BaselineResult(
        [BaselineScore("accuracy", acc, "max", name, hint=hint),
         BaselineScore("macro_f1", f1, "max", name, hint=hint)],
        {"baseline_val_accuracy": chosen["val_score"], "baseline_C": chosen["C"],
         "baseline_seconds": chosen["seconds"]}, name)
