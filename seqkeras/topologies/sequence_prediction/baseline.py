"""The forecasting baselines: persistence (naive), seasonal-naive and a linear
autoregressive model on the same lags the model reads (ridge regression from the
``lookback`` window of every input column to the ``horizon`` x targets ahead, alpha chosen
on val), all scored on the test windows and values the model is scored on
(``evaluation.scored_windows``), in original units.

The strongest of the three is the headline (``baseline_test_mae``); the model must beat
all of them (``naive_test_mae``, ``seasonal_naive_test_mae`` and the linear model's).
Cost: at most ``baseline.max_train_records`` training windows (seeded sample) of
``lookback x features`` numbers each, five ridge fits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from seqkeras.baselines import BaselineResult, BaselineScore
from seqkeras.baselines.caps import capped_rows
from seqkeras.baselines.linear import ridge
from seqkeras.topologies.sequence_prediction.baselines import horizon_metrics
from seqkeras.topologies.sequence_prediction.evaluation import scored_windows
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep, split_arrays
from seqkeras.topologies.sequence_prediction.time_split import normalization
from seqkeras.topologies.sequence_prediction.windows import (gather_targets, gather_windows,
                                                             window_ends)

HINT = ("data.series.loss mae, a longer data.series.lookback (a full season), more epochs, "
        "or fewer units on a short series")


def design(prep: SeriesPrep, records, stride: int = 1, ends=None):
    """Flattened windows ``[W, lookback * features]`` (normalized, as the model reads
    them) and normalized targets ``[W, horizon * targets]`` of ``records``, at ``ends``
    (default: every ``stride``-th window)."""
    a = split_arrays(prep, records)
    if ends is None:
        ends = window_ends(a.steps, a.context, prep.lookback, prep.horizon, stride)
    x = gather_windows(prep.encode(a.numeric, a.categorical), ends, prep.lookback)
    k = len(prep.targets)
    y = prep.normalize_targets(gather_targets(a.numeric[:, :k], ends, prep.horizon))
    return x.reshape(len(ends), -1), y.reshape(len(ends), -1)


def forecasting_baseline(spec, prep: SeriesPrep, train, val, test) -> BaselineResult:
    """Persistence and seasonal-naive always; the linear autoregressive model when
    ``spec.baseline.enabled``. MAE in original units on the model's test windows."""
    _, ends, naive, seasonal, truth, mask = scored_windows(spec, prep, test)
    found = {"naive": (horizon_metrics(truth, naive, mask)["mae"],
                       "persistence (the last value repeated)")}
    if seasonal is not None:
        period = spec.data.series.seasonal_period
        found["seasonal_naive"] = (horizon_metrics(truth, seasonal, mask)["mae"],
                                   f"seasonal naive (the value {period} steps earlier)")
    metrics = {}
    if spec.baseline.enabled:
        b = spec.baseline
        # the linear model reads the raw values standardized, whatever the network reads
        mean, std = normalization(train, prep.numeric)
        prep = dataclasses.replace(prep, mean=mean, std=std, target_scale="none", calendar=[])
        x_train, y_train = design(prep, train, spec.data.series.stride)
        rows = capped_rows(len(x_train), b.max_train_records, spec.seed)
        x_val, y_val = design(prep, val) if val else (x_train[:0], y_train[:0])
        vrows = capped_rows(len(x_val), b.max_val_records, spec.seed)
        model, chosen = ridge(x_train[rows], y_train[rows], x_val[vrows], y_val[vrows])
        x_test, _ = design(prep, test, ends=ends)
        pred = prep.denormalize(model.predict(x_test).reshape(truth.shape).astype(np.float32))
        found["linear_ar"] = (horizon_metrics(truth, pred, mask)["mae"],
                              f"a linear autoregressive model on the {prep.lookback} lags "
                              f"(ridge, alpha={chosen['alpha']:g} chosen on val)")
        metrics = {"baseline_alpha": chosen["alpha"], "baseline_train_records": len(rows)}
    metrics.update({f"{name}_test_mae": v for name, (v, _) in found.items()})
    best = min(found, key=lambda name: found[name][0])
    scores = [BaselineScore("mae", found[best][0], "min", found[best][1], hint=HINT,
                            strict=best == "naive")]
    scores += [BaselineScore("mae", v, "min", text, name, HINT, strict=name == "naive")
               for name, (v, text) in found.items() if name != best]
    return BaselineResult(scores, metrics, f"best of {', '.join(found)}: {best}")
