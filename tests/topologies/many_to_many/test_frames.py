"""many_to_many over numeric steps: one tag a step from a long CSV of real BasicMotions
sensor streams (two activities back to back, tagged step by step), padding invariance,
the served graph equal to the Keras model."""

from __future__ import annotations

import json

import numpy as np
import pydantic
import pytest
import tensorflow as tf

from seqkeras.io.ts_format import read_ts
from seqkeras.spec import PipelineSpec
from seqkeras.spec.auto import fixed
from tests.pipeline_helpers import require_shared


def sessions(root, n: int = 8) -> None:
    """``streams.csv``: n sessions, each two BasicMotions cases of different activities
    joined (100 + 100 steps), one row a step with its activity."""
    with open(require_shared("basic_motions/BasicMotions_TRAIN.ts")) as f:
        cases = [row for _, row in read_ts(f)]
    lines = ["session,t,ax,ay,az,gx,gy,gz,activity"]
    for k in range(n):
        a, b = cases[k % 40], cases[(k * 7 + 11) % 40]
        for t, (step, label) in enumerate([(s, a["label"]) for s in a["sequence"]]
                                          + [(s, b["label"]) for s in b["sequence"]]):
            lines.append(f"s{k},{t}," + ",".join(map(str, step)) + f",{label}")
    (root / "streams.csv").write_text("\n".join(lines) + "\n")


def make(**sections) -> PipelineSpec:
    """A numeric tagger, ``auto`` left at the fixed defaults (no tokenize stage here)."""
    return fixed(PipelineSpec.model_validate({
        "name": "t", "topology": "many_to_many", "input": {"kind": "numeric"},
        "data": {"sources": [{"path": "streams.csv", "format": "long_csv",
                              "sequence_field": "session", "step_field": "t",
                              "label_field": "activity"}]}, **sections}))


def test_streams_are_tagged_step_by_step(data_root, run_ingest, tmp_path):
    sessions(data_root)
    spec = make(model={"units": 6, "bidirectional": True, "crf": True},
                train={"batch_size": 4}, data={"sources": [{
                    "path": "streams.csv", "format": "long_csv", "sequence_field": "session",
                    "step_field": "t", "label_field": "activity", "split": "train"}]})
    _, out = run_ingest(spec)
    records = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert len(records) == 8 and len(records[0]["tags"]) == len(records[0]["sequence"]) == 200
    assert len(records[0]["sequence"][0]) == 6

    from seqkeras.topologies import get_topology

    topology = get_topology("many_to_many")
    (tmp_path / "prep").mkdir()
    summary = topology.fit_preprocessor(spec, records, tmp_path / "prep")
    assert summary["num_tags"] >= 2 and summary["feature_size"] == 6
    prep = topology.load_preprocessor(spec, tmp_path / "prep")
    model = topology.build_model(spec, prep)
    model.fit(topology.make_dataset(spec, prep, records, True), epochs=1, verbose=0)
    metrics = topology.evaluate(spec, prep, model, records, tmp_path)
    assert 0 <= metrics["accuracy"] <= 1 and np.isfinite(metrics["loss"])
    assert (tmp_path / "step_report.json").exists()

    endpoints = topology.serving_endpoints(spec, prep, model)
    padded = endpoints["from_padded"][0]
    x = np.array([records[0]["sequence"], records[1]["sequence"]], np.float32)
    both = padded(tf.constant(x), tf.constant([200, 120], tf.int64))
    alone = padded(tf.constant(x[1:, :120]), tf.constant([120], tf.int64))
    assert both["tags"].numpy()[1, :120].tolist() == alone["tags"].numpy()[0].tolist()
    assert set(both["tags"].numpy()[1, 120:].tolist()) == {b""}
    whole = endpoints["serving_default"][0](tf.constant(x[:1]))
    assert whole["tags"].numpy()[0].tolist() == both["tags"].numpy()[0].tolist()
    lines = topology.format_prediction({"features": x[:1]}, {k: v.numpy() for k, v in
                                                             whole.items()})
    assert lines[0].startswith("sequence 1 (200 steps): ") and " x" in lines[0]


def test_numeric_tagging_rules():
    with pytest.raises(pydantic.ValidationError, match="not embedded or stacked"):
        make(model={"char_embedding_dim": 8})
    with pytest.raises(pydantic.ValidationError, match="not embedded or stacked"):
        make(model={"frame_stack": 2})
    with pytest.raises(pydantic.ValidationError, match="text or numeric"):
        make(input={"kind": "audio"})
    assert make().input.kind == "numeric"
