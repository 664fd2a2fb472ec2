"""benchmarks.baselines: every dev YAML validates, quick copies are capped, the table
reads what the train stage wrote."""

from __future__ import annotations

import json

import pytest
import yaml

from benchmarks import baselines
from seqkeras.spec import load_spec


@pytest.mark.parametrize("name", sorted(baselines.DATASETS))
def test_every_dev_yaml_is_short_and_valid(name):
    path = baselines.yaml_path(name)
    spec = load_spec(path)
    assert spec.name == f"dev_{name}"
    assert len(path.read_text().splitlines()) <= 16  # short, as a new user writes them


def test_quick_copies_cap_records_and_epochs(tmp_path):
    text = yaml.safe_load(baselines.quick_spec("imdb", tmp_path).read_text())
    assert text["data"]["max_records_per_split"] == baselines.QUICK_RECORDS
    assert text["train"]["epochs"] == baselines.QUICK_EPOCHS
    series = yaml.safe_load(baselines.quick_spec("co2", tmp_path).read_text())
    assert "max_records_per_split" not in series["data"]  # not read by a time series


def test_row_reads_metrics_and_baseline(tmp_path):
    train = tmp_path / "dev_sms_spam" / "train"
    train.mkdir(parents=True)
    (train / "metrics.json").write_text(json.dumps({
        "test_accuracy": 0.75, "test_macro_f1": 0.6, "baseline_test_macro_f1": 0.7}))
    (train / "baseline.json").write_text(json.dumps({"scores": [
        {"metric": "accuracy", "prefix": "baseline", "baseline": 0.77, "skill": -0.02,
         "loses": True, "name": "tf-idf"},
        {"metric": "accuracy", "prefix": "majority", "baseline": 0.6, "skill": 0.15,
         "loses": False, "name": "majority"}]}))
    (tmp_path / baselines.STATE_DIR).mkdir()
    (tmp_path / baselines.STATE_DIR / "dev_sms_spam.json").write_text(
        json.dumps({"rc": 0, "wall_seconds": 12.5}))
    row = baselines.row("sms_spam", False, tmp_path)
    assert row[3:7] == ["0.75", "0.77 (tf-idf)", "-0.0200", "BELOW"]
    assert row[8] == baselines.fmt(12.5)  # no stage timings: the run's wall time
    (train / "_stage.json").write_text(json.dumps({"seconds": 30.0}))
    (train.parent / "ingest").mkdir()
    (train.parent / "ingest" / "_stage.json").write_text(json.dumps({"seconds": 2.0}))
    assert baselines.row("sms_spam", False, tmp_path)[8] == baselines.fmt(32.0)
    assert "majority 0.6" in row[7] and "macro_f1 0.6 (baseline 0.7)" in row[7]
    assert baselines.row("co2", False, tmp_path)[3] == "not run"
