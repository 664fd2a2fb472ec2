"""seqkeras.baselines.compare: the skill sign, ties, what is logged, the one WARNING line."""

from __future__ import annotations

import pytest

from seqkeras.baselines import BaselineResult, BaselineScore, compare, warning_line
from seqkeras.baselines.compare import summary_text


def result(*scores, **metrics):
    return BaselineResult(list(scores), metrics, "test baseline")


def test_skill_is_positive_when_the_model_is_better_whatever_the_direction():
    acc = BaselineScore("accuracy", 0.77, "max", "tf-idf", hint="more epochs")
    mae = BaselineScore("mae", 44.7, "min", "persistence", "naive")
    logged, (a, m) = compare({"test_accuracy": 0.75, "test_mae": 41.3}, result(acc, mae))
    assert a.skill == pytest.approx(-0.02) and a.loses
    assert m.skill == pytest.approx(3.4) and not m.loses
    assert logged["baseline_test_accuracy"] == 0.77
    assert logged["skill_accuracy"] == pytest.approx(-0.02)
    assert logged["naive_test_mae"] == 44.7 and "skill_mae" not in logged  # a floor: no skill
    assert logged["below_baseline"] == 1.0


def test_one_warning_line_says_by_how_much_and_what_to_try():
    acc = BaselineScore("accuracy", 0.77, "max", "tf-idf", hint="more epochs")
    f1 = BaselineScore("macro_f1", 0.5, "max", "tf-idf", hint="more epochs")
    _, comparisons = compare({"test_accuracy": 0.75, "test_macro_f1": 0.4}, result(acc, f1))
    line = warning_line(comparisons)
    assert "\n" not in line
    assert "test accuracy 0.7500 vs 0.7700 for tf-idf (-0.0200, -2.6%)" in line
    assert "test macro_f1 0.4000 vs 0.5000" in line
    assert line.count("more epochs") == 1 and "quality.below_baseline=true" in line
    assert summary_text(comparisons).startswith("BELOW ")


def test_no_warning_when_the_model_wins_or_ties_and_missing_metrics_are_skipped():
    acc = BaselineScore("accuracy", 0.8, "max", "tf-idf")
    bleu = BaselineScore("bleu", 3.0, "max", "copy")
    logged, comparisons = compare({"test_accuracy": 0.8}, result(acc, bleu, baseline_C=10.0))
    assert [c.score.metric for c in comparisons] == ["accuracy"]
    assert warning_line(comparisons) is None
    assert logged == {"baseline_C": 10.0, "baseline_test_accuracy": 0.8, "skill_accuracy": 0.0,
                      "below_baseline": 0.0}
    assert compare({"test_accuracy": 0.8}, None) == ({}, [])
