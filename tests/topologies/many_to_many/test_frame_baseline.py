"""The numeric tagger's baseline: a windowed logistic regression per step and the
majority tag, on real BasicMotions sensor streams tagged step by step."""

from __future__ import annotations

import json

import numpy as np

from seqkeras.topologies.many_to_many.frame_baseline import windowed
from tests.topologies.many_to_many.test_frames import make, sessions


def test_windows_repeat_the_edges():
    frames = np.arange(6, dtype=float).reshape(3, 2)          # steps 0, 1, 2
    out = windowed(frames, context=1)
    assert out.shape == (3, 6)
    assert out[0].tolist() == [0, 1, 0, 1, 2, 3]              # step -1 is step 0 again
    assert out[2].tolist() == [2, 3, 4, 5, 4, 5]              # step 3 is step 2 again


def test_the_hook_scores_segments_and_counts_unseen_tags(data_root, run_ingest, tmp_path):
    sessions(data_root, n=12)
    spec = make(data={"sources": [{"path": "streams.csv", "format": "long_csv",
                                   "sequence_field": "session", "step_field": "t",
                                   "label_field": "activity", "split": "train"}]})
    _, out = run_ingest(spec)
    records = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    train, val, test = records[:8], records[8:10], records[10:]

    from seqkeras.topologies import get_topology

    topology = get_topology("many_to_many")
    topology.fit_preprocessor(spec, train, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    result = topology.baseline(spec, prep, train, val, test, tmp_path)
    scores = {(s.prefix, s.metric): s.value for s in result.scores}
    assert result.scores[0].metric == "segment_f1"              # the headline
    # the activities differ in their motion: a window of five frames separates them far
    # better than always answering one activity (at most half of the steps of a session)
    assert scores[("baseline", "accuracy")] > 0.8
    assert scores[("majority", "accuracy")] <= 0.5
    # a segment counts only with exact ends: one flicker inside a run breaks it
    assert 0 <= scores[("baseline", "segment_f1")] <= scores[("baseline", "accuracy")]
    odd = [dict(test[0], tags=["never_seen"] * len(test[0]["tags"]))] + test[1:]
    worse = topology.baseline(spec, prep, train, val, odd, tmp_path)
    acc = {(s.prefix, s.metric): s.value for s in worse.scores}[("baseline", "accuracy")]
    assert acc <= 0.5 + 1e-9                                   # half the test steps are unseen
