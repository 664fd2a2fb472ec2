"""The classification baseline and unseen test labels, on real SMS spam messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.many_to_one.baseline import classification_baseline, scored_ids
from seqkeras.topologies.many_to_one.topology import ManyToOne
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

SMS = Path("../shared/data/sms_spam/sms.tsv")


def make_spec(**sections) -> PipelineSpec:
    return fixed_spec({"name": "t", "data": {"sources": [{"path": "x.csv"}]},
                                        **sections})


def test_unseen_labels_get_a_class_no_prediction_matches():
    ids, names = scored_ids(["a", "b"], [{"label": "b"}, {"label": "c"}, {}])
    assert ids.tolist() == [1, 2, 2] and names == ["a", "b", "[unseen in training]"]
    assert scored_ids(["a", "b"], [{"label": "a"}])[1] == ["a", "b"]


@pytest.mark.skipif(not SMS.exists(), reason="needs ../shared/data")
def test_tfidf_logistic_regression_on_real_messages():
    rows = [line.split("\t", 1) for line in SMS.read_text(encoding="utf-8").splitlines()]
    records = [{"label": label, "text": text} for label, text in rows[:1500]]
    train, val, test = records[:1000], records[1000:1200], records[1200:]
    result = classification_baseline(make_spec(), ["ham", "spam"], train, val, test)
    scores = {(s.prefix, s.metric): s.value for s in result.scores}
    assert scores[("baseline", "accuracy")] > 0.95 > scores[("majority", "accuracy")] > 0.8
    assert result.metrics["baseline_C"] in (0.1, 1.0, 10.0, 100.0)
    # a test label never seen in training is an error for the baseline too
    odd = test + [{"label": "scam", "text": "WIN a prize now"}]
    worse = classification_baseline(make_spec(), ["ham", "spam"], train, val, odd)
    acc = {(s.prefix, s.metric): s.value for s in worse.scores}[("baseline", "accuracy")]
    assert acc == pytest.approx(scores[("baseline", "accuracy")] * len(test) / len(odd))


def test_evaluate_counts_unseen_test_labels_as_errors(tmp_path):
    spec = make_spec(tokenize={"level": "char", "max_length": 8},
                     model={"embedding_dim": 4, "units": 4})
    records = [{"text": "aaa", "label": "x"}, {"text": "bbb", "label": "y"}] * 4
    topology = ManyToOne()
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    model = topology.build_model(spec, prep)
    test = records[:2] + [{"text": "ccc", "label": "z"}]
    metrics = topology.evaluate(spec, prep, model, test, tmp_path)
    assert metrics["unseen_label_records"] == 1
    assert metrics["accuracy"] <= 2 / 3 and np.isfinite(metrics["loss"])
