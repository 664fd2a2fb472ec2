"""The measurement classifier's baseline: logistic regression on summary statistics of
the frames the model reads, from the topology's own baseline hook."""

from __future__ import annotations

import numpy as np

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.many_to_one.frame_baseline import frame_statistics
from seqkeras.topologies.many_to_one.topology import ManyToOne


def make_spec(**sections) -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "t", "input": {"kind": "numeric"},
                                        "data": {"sources": [{"path": "x.ts", "format": "ts"}]},
                                        **sections})


def noisy_records(n: int, seed: int) -> list[dict]:
    """Class "calm" has small steps, class "shaky" large ones, the same mean and range
    of lengths: the mean absolute step tells them apart, the mean does not."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = ("calm", "shaky")[i % 2]
        steps = rng.normal(scale=0.1 if label == "calm" else 1.0, size=(rng.integers(5, 30), 2))
        out.append({"sequence": np.cumsum(steps, 0).tolist(), "label": label})
    return out


def test_statistics_read_only_the_unpadded_frames(tmp_path):
    spec, topology = make_spec(), ManyToOne()
    records = [{"sequence": [[1.0, 0.0], [3.0, 0.0]], "label": "a"},
               {"sequence": [[5.0, 2.0], [5.0, 2.0], [5.0, 2.0], [5.0, 2.0]], "label": "b"}]
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    stats = frame_statistics(prep.encoder, records)
    assert stats.shape == (2, 7 * 2)
    # channel 0 of record 0: two frames, so its std is half their distance, and its
    # mean absolute step that distance (both in the standardized units)
    first = stats[0]
    assert np.isclose(first[6 * 2], abs(first[4 * 2] - first[5 * 2]))
    assert np.isclose(first[1 * 2], first[6 * 2] / 2)
    # record 1 is constant: no spread and no step, whatever the padding of the batch
    assert stats[1][1 * 2] == 0 and stats[1][6 * 2] == 0


def test_the_hook_fits_the_statistics_baseline_and_counts_unseen_labels(tmp_path):
    spec, topology = make_spec(), ManyToOne()
    train, val, test = noisy_records(120, 0), noisy_records(40, 1), noisy_records(40, 2)
    topology.fit_preprocessor(spec, train, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    result = topology.baseline(spec, prep, train, val, test, tmp_path)
    scores = {(s.prefix, s.metric): s.value for s in result.scores}
    assert scores[("baseline", "accuracy")] >= 0.95
    assert scores[("majority", "accuracy")] == 0.5
    assert "summary statistics" in result.description
    odd = test + [{"sequence": [[0.0, 0.0]] * 5, "label": "never_seen"}]
    worse = topology.baseline(spec, prep, train, val, odd, tmp_path)
    acc = {(s.prefix, s.metric): s.value for s in worse.scores}[("baseline", "accuracy")]
    assert acc <= scores[("baseline", "accuracy")] * len(test) / len(odd) + 1e-9


def test_disabled_baseline_keeps_only_the_majority(tmp_path):
    spec, topology = make_spec(baseline={"enabled": False}), ManyToOne()
    train = noisy_records(20, 0)
    topology.fit_preprocessor(spec, train, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    result = topology.baseline(spec, prep, train, train, train, tmp_path)
    assert [s.prefix for s in result.scores] == ["majority"]
