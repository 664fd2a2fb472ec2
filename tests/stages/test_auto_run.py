"""A tiny pipeline with every size left at ``auto``: the tokenize stage measures, every
stage uses the same resolved values, the run prints and logs them, and an unchanged
second run reruns nothing."""

from __future__ import annotations

import json
import logging

import pytest

from seqkeras.runner import run_pipeline
from seqkeras.stages import STAGE_NAMES
from tests.pipeline_helpers import workdir  # noqa: F401

pytestmark = pytest.mark.slow

SPEC = """
name: names_auto
topology: many_to_one
data:
  sources:
    - {path: pkg://names/dist.female.first, format: columns, text_field: 0, label: female}
    - {path: pkg://names/dist.male.first, format: columns, text_field: 0, label: male}
  max_records_per_split: 120
tokenize: {level: char}
train: {steps_per_epoch: 2, early_stopping: null}
tune:
  enabled: true
  max_trials: 2
  epochs: 1
  steps_per_epoch: 1
  objective: val_accuracy
  space: {model.head_units: {choice: [0, 4]}, train.batch_size: {choice: [auto, 8]}}
export: {parity_examples: 4}
"""


def test_auto_values_are_resolved_logged_and_used(workdir, caplog):  # noqa: F811
    path = workdir / "names_auto.yaml"
    path.write_text(SPEC, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="seqkeras"):
        first = run_pipeline(path)
    assert first.ran == STAGE_NAMES
    facts = json.loads((workdir / "data/names_auto/tokenize/resolved.json").read_text())
    assert facts["train_records"] == 120
    lengths = {int(k): v for k, v in facts["text"]["tokenize"]["lengths"].items()}
    assert sum(lengths.values()) == 120
    vocab = (workdir / "data/names_auto/tokenize/vocab.txt").read_text().split("\n")[:-1]
    assert facts["text"]["tokenize"]["vocab_size"] == len(vocab)

    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("auto: ")]
    assert len(lines) == 2  # tokenize (its own keys), train (everything)
    # auto is a tuner choice like any value: the best trial's value reaches train
    best = json.loads((workdir / "data/names_auto/tune/best_hparams.json").read_text())
    assert best["train.batch_size"] in ("auto", "8")
    auto_batch = best["train.batch_size"] == "auto"
    assert ("train.batch_size 16 (120 training records" in lines[1]) == auto_batch
    assert "model.units 32 (sqrt of 120 training records)" in lines[1]
    # early_stopping null: nothing would cut a 30-epoch cap short, so the fixed 5
    assert "train.epochs 5 (no early stopping" in lines[1]

    # the model was built and trained with the resolved sizes
    summary = (workdir / "data/names_auto/build/model_summary.txt").read_text()
    config = json.loads((workdir / "data/names_auto/build/model_config.json").read_text())
    layers = {layer["class_name"]: layer["config"] for layer in config["config"]["layers"]}
    assert layers["Embedding"]["output_dim"] == 16  # 8 * vocab ** 0.25, vocab ~ 30
    assert "names_auto" in summary
    metrics = json.loads((workdir / "data/names_auto/train/metrics.json").read_text())
    assert metrics["epochs_run"] == 5

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns/mlflow.db'}")
    run = mlflow.get_run(first.run_id)
    params = run.data.params
    assert params["tokenize.max_length"] == "auto"  # the spec as written
    assert params.get("resolved.train.batch_size") == ("16" if auto_batch else None)
    assert params["resolved.model.units"] == "32"
    assert int(params["resolved.tokenize.max_length"]) == max(lengths)

    # resolved values are not part of any fingerprint: nothing reruns
    second = run_pipeline(path)
    assert second.ran == [] and second.skipped == STAGE_NAMES
