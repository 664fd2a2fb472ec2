"""Helpers for tests that run real pipelines on tiny slices of real data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def fixed_spec(raw: dict, **kwargs):
    """``PipelineSpec.model_validate(raw)`` with every ``auto`` at its fixed default: for
    tests that drive a topology directly, without the tokenize stage's statistics."""
    from seqkeras.spec import PipelineSpec
    from seqkeras.spec.auto import fixed

    return fixed(PipelineSpec.model_validate(raw, **kwargs))


def require_shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


TINY_TRAINING = """
tokenize:
  level: word
  max_tokens: 400
  max_length: 24
model:
  embedding_dim: 8
  cell: {cell}
  units: 8
  bidirectional: {bidirectional}
train:
  epochs: 2
  batch_size: 16
  steps_per_epoch: 3
  early_stopping: null
export:
  parity_examples: 8
"""


def imdb_spec(tmp: Path, tune: bool = False, cell: str = "lstm", bidirectional: bool = True) -> Path:
    require_shared("imdb/imdb_50k.csv.gz")
    text = """
name: imdb_tiny
topology: many_to_one
seed: 7
data:
  sources:
    - path: imdb/imdb_50k.csv.gz
      format: csv
      text_field: text
      label_field: label
      split_field: split
  max_records_per_split: 48
""" + TINY_TRAINING.format(cell=cell, bidirectional=str(bidirectional).lower())
    if tune:
        text += """
tune:
  enabled: true
  algorithm: random
  max_trials: 2
  epochs: 1
  steps_per_epoch: 2
  objective: val_loss
  space:
    model.units: {choice: [4, 8]}
"""
    path = tmp / "pipelines" / "imdb_tiny.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def sms_spec(tmp: Path, extra: str = "", cell: str = "gru") -> Path:
    require_shared("sms_spam/sms.tsv")
    text = """
name: sms_tiny
topology: many_to_one
seed: 3
data:
  sources:
    - path: sms_spam/sms.tsv
      format: tsv
      header: false
      text_field: 1
      label_field: 0
  max_records_per_split: 40
""" + TINY_TRAINING.format(cell=cell, bidirectional="false") + extra
    path = tmp / "pipelines" / "sms_tiny.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_all_stages(workdir: Path, name: str, spec_text: str) -> Path:
    """Write ``pipelines/<name>.yaml`` under ``workdir``, run every stage (none may be
    skipped) and return the spec's path."""
    from seqkeras.runner import run_pipeline
    from seqkeras.stages import STAGE_NAMES

    path = workdir / "pipelines" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec_text)
    assert run_pipeline(path).ran == STAGE_NAMES
    return path


def assert_serves(model_dir: Path, inputs: set, parity_examples: int) -> dict:
    """``check_serving`` passed: allowed ops only, warmup replayed, the signature's inputs
    and the number of parity examples as given; the report, for further checks."""
    from seqkeras.serving.check import check_serving

    report = check_serving(model_dir)
    assert report["ok"], report.get("error")
    assert report["disallowed_ops"] == [] and report["warmup_requests"] >= 1
    assert set(report["signatures"]["serving_default"]["inputs"]) == inputs
    assert report["parity"]["examples"] == parity_examples
    return report


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run pipelines inside tmp_path (data/, models/, mlruns/ land there)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path
