"""seqkeras.measurements.side: the frame input side a topology subclasses: statistics from
the training split only, reloaded as written, frames masked past each length."""

from __future__ import annotations

import numpy as np

from seqkeras.measurements.side import FrameSide
from seqkeras.spec import PipelineSpec


def numeric_spec():
    return PipelineSpec.model_validate({
        "name": "side", "input": {"kind": "numeric"},
        "data": {"sources": [{"path": "x.jsonl", "text_field": "sequence"}]}})


class TitledSide(FrameSide):
    @staticmethod
    def picture_title(record):
        return "titled " + record["label"]


def test_fit_load_and_examples_round_trip(tmp_path):
    spec = numeric_spec()
    train = [{"sequence": [[1.0, 10.0], [3.0, 30.0]], "label": "a"},
             {"sequence": [[5.0, 50.0]], "label": "b"}]
    side = TitledSide()
    side.fit(spec, train, tmp_path)
    prep = side.load(spec, tmp_path)
    assert prep.feature_size == 2
    np.testing.assert_allclose(prep.mean, [3.0, 30.0])  # the training split's own mean
    got = list(side.examples(spec, prep, train, training=False).as_numpy_iterator())
    assert [int(g["lengths"]) for g in got] == [2, 1]
    inputs, frames = side.model_input(spec, prep)
    assert set(inputs) == {"features", "lengths"} and frames.shape[-1] is not None
