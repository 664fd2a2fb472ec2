"""seqkeras.baselines.numeric and linear: summary statistics, C and alpha chosen on val."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.baselines.caps import capped, capped_rows
from seqkeras.baselines.linear import logistic_regression, ridge
from seqkeras.baselines.numeric import (STATISTICS, summary_statistics,
                                        summary_statistics_baseline)


def test_summary_statistics_per_channel():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [2.0, np.nan]])
    s = summary_statistics(x).reshape(len(STATISTICS), 2)
    assert s[:, 0].tolist() == pytest.approx([2.0, np.std([1, 3, 2]), 1, 3, 1, 2, 1.5])
    assert s[0, 1] == 10.0 and np.isfinite(s).all()
    assert summary_statistics(np.zeros((0, 3))).shape == (len(STATISTICS) * 3,)


def make_sequences(n, rng):
    """Class 1 sequences oscillate twice as fast as class 0; amplitude is noise."""
    y = rng.integers(0, 2, n)
    t = np.arange(50)
    x = [rng.normal(1, 0.3) * np.sin(t * (0.2 + 0.2 * c))[:, None] + rng.normal(0, 0.1, (50, 1))
         for c in y]
    return np.stack([summary_statistics(s) for s in x]), y


def test_logistic_regression_on_summaries_learns_a_real_difference():
    rng = np.random.default_rng(0)
    r = summary_statistics_baseline(make_sequences(200, rng), make_sequences(60, rng),
                                    make_sequences(100, rng))
    acc = {s.metric: s.value for s in r.scores}["accuracy"]
    assert acc > 0.9 and r.metrics["baseline_C"] in (0.1, 1.0, 10.0, 100.0)


def test_the_grid_value_is_chosen_on_val():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 5))
    y = (x[:, 0] + 0.1 * rng.normal(size=300) > 0).astype(int)
    _, chosen = logistic_regression(x[:200], y[:200], x[200:], y[200:])
    assert chosen["val_score"] > 0.9
    with pytest.raises(ValueError, match="two classes"):
        logistic_regression(x, np.zeros(300), x, y)
    target = x @ np.array([1.0, -2, 0, 0, 0])
    model, picked = ridge(x[:200], target[:200], x[200:], target[200:])
    assert picked["val_mae"] < 0.05 and picked["alpha"] <= 1.0


def test_caps_are_seeded_and_keep_order():
    items = list(range(100))
    a, b = capped(items, 10, 3), capped(items, 10, 3)
    assert a == b == sorted(a) and len(a) == 10
    assert capped(items, None, 3) == items and capped(items, 1000, 3) == items
    assert capped_rows(5, 3, 0).tolist() == sorted(capped_rows(5, 3, 0).tolist())
