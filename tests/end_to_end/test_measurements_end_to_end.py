"""All six stages on tiny slices of the real measurement data, then the exports as TF
Serving sees them (C++ loader, op allowlist, warmup, parity) and ``seqkeras predict``
given a CSV of sensor steps or a WAV path, answering like the trained Keras model."""

from __future__ import annotations

import json
import zipfile

import mlflow
import numpy as np
import pytest

from seqkeras.constants import PARITY_FILE
from seqkeras.serving.predict import predict
from seqkeras.serving.warmup import from_jsonable
from tests.pipeline_helpers import assert_serves, require_shared, run_all_stages, workdir  # noqa: F401

pytestmark = pytest.mark.slow

TINY_TRAIN = """
train:
  epochs: 2
  batch_size: 8
  steps_per_epoch: 2
  early_stopping: null
export:
  warmup_examples: 2
  parity_examples: 4
"""

ACTIVITY = """
name: activity_tiny
topology: many_to_one
seed: 5
input: {kind: numeric}
data:
  sources:
    - {path: basic_motions/BasicMotions_TRAIN.ts, format: ts}
    - {path: basic_motions/BasicMotions_TEST.ts, format: ts, split: test}
  split: {val: 0.25, test: 0.0}
model: {cell: gru, units: 4, frame_stack: 4, pooling: mean}
tune:
  enabled: true
  algorithm: random
  max_trials: 2
  epochs: 1
  steps_per_epoch: 1
  objective: val_accuracy
  space:
    model.units: {choice: [4, 6]}
""" + TINY_TRAIN

DIGITS = r"""
name: digits_tiny
topology: many_to_one
seed: 5
input:
  kind: audio
  sample_rate: 8000
  mel_bins: 16
  augment: {time_shift_ms: 20, time_masks: 1, freq_masks: 1}
data:
  sources:
    - path: fsdd/recordings.zip
      format: wav
      name_pattern: '^(?P<label>\d)_(?P<speaker>[a-z]+)_(?P<index>\d+)\.wav$'
      split_patterns: {test: '_[0-4]\.wav$'}
  split: {val: 0.1, test: 0.0}
  max_records_per_split: 24
model: {cell: gru, units: 4, frame_stack: 3, pooling: mean}
""" + TINY_TRAIN

SEQUENCES = r"""
name: sequences_tiny
topology: transcription
seed: 5
input: {kind: audio, sample_rate: 8000, mel_bins: 16, max_seconds: 12}
data:
  sources:
    - path: fsdd/recordings.zip
      format: wav
      name_pattern: '^(?P<label>\d)_(?P<speaker>[a-z]+)_(?P<index>\d+)\.wav$'
      split_patterns: {test: '_[0-4]\.wav$'}
  split: {val: 0.1, test: 0.0}
  max_records_per_split: 30
  compose: {max_items: 3, train: 16, val: 4, test: 6, words: {"1": one, "2": two}}
model: {cell: gru, units: 6, bidirectional: true, frame_stack: 3}
decode: {beam_size: 4}
""" + TINY_TRAIN


def parity(workdir, name: str) -> dict:  # noqa: F811
    path = workdir / "models" / name / "1" / "assets.extra" / PARITY_FILE
    return json.loads(path.read_text())


def test_activity_from_sensor_sequences(workdir):  # noqa: F811
    require_shared("basic_motions/BasicMotions_TRAIN.ts")
    run_all_stages(workdir, "activity_tiny", ACTIVITY)
    stats = json.loads((workdir / "data/activity_tiny/ingest/stats.json").read_text())
    assert stats["splits"]["test"]["records"] == 40 and stats["rejected"] == 0
    assert stats["splits"]["train"]["records"] + stats["splits"]["val"]["records"] == 40
    report = assert_serves(workdir / "models/activity_tiny", {"features"}, 4)
    assert set(report["signatures"]["from_padded"]["inputs"]) == {"features", "lengths"}
    # predict from a CSV of steps (header, 6 columns) answers like the trained model
    steps = parity(workdir, "activity_tiny")["inputs"]["features"][0]
    csv = workdir / "one.csv"
    csv.write_text("ax,ay,az,gx,gy,gz\n" + "\n".join(",".join(map(repr, s)) for s in steps))
    (line,) = predict(workdir / "models/activity_tiny", [str(csv)])
    want = parity(workdir, "activity_tiny")["outputs"]
    assert line.split()[0] == want["label"][0] and line.endswith("one.csv")
    assert abs(float(line.split()[1]) - want["score"][0]) < 1e-3
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns/mlflow.db'}")
    (run,) = mlflow.search_runs(experiment_names=["activity_tiny"], output_format="list",
                                filter_string="tags.mlflow.runName = 'activity_tiny'")
    assert "test_accuracy" in run.data.metrics and run.data.params["input.kind"] == "numeric"


def test_spoken_digits_from_raw_wav(workdir):  # noqa: F811
    require_shared("fsdd/recordings.zip")
    run_all_stages(workdir, "digits_tiny", DIGITS)
    assert (workdir / "data/digits_tiny/tokenize/features.png").stat().st_size > 0
    # the log-mel spectrograms of a few training recordings are logged to MLflow
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns/mlflow.db'}")
    (run,) = mlflow.search_runs(experiment_names=["digits_tiny"], output_format="list",
                                filter_string="tags.mlflow.runName = 'digits_tiny'")
    logged = mlflow.MlflowClient().list_artifacts(run.info.run_id, "tokenize")
    assert "tokenize/features.png" in {a.path for a in logged}
    report = assert_serves(workdir / "models/digits_tiny", {"audio"}, 4)
    assert set(report["signatures"]["from_samples"]["inputs"]) == {"samples", "lengths"}
    assert "DecodeWav" not in report["disallowed_ops"]
    # a raw WAV file's prediction through the export equals the trained model's
    recorded = parity(workdir, "digits_tiny")
    wav = from_jsonable(recorded["inputs"]["audio"][0])
    path = workdir / "digit.wav"
    path.write_bytes(wav)
    (line,) = predict(workdir / "models/digits_tiny", [str(path)])
    label, score, name = line.split()
    assert (label, name) == (recorded["outputs"]["label"][0], "digit.wav")
    assert abs(float(score) - recorded["outputs"]["score"][0]) < 1e-3
    # the test split is FSDD's official one
    test = (workdir / "data/digits_tiny/ingest/test.jsonl").read_text().splitlines()
    assert all(json.loads(r)["index"] in "01234" for r in test)
    with zipfile.ZipFile(require_shared("fsdd/recordings.zip")) as z:
        first = json.loads(test[0])["audio"][0]["member"]
        assert z.read(first)[:4] == b"RIFF"


def test_spoken_digit_sequences_transcribed_with_ctc(workdir):  # noqa: F811
    require_shared("fsdd/recordings.zip")
    run_all_stages(workdir, "sequences_tiny", SEQUENCES)
    metrics = json.loads((workdir / "data/sequences_tiny/train/metrics.json").read_text())
    for name in ("test_wer", "test_cer", "test_wer_greedy", "test_loss"):
        assert np.isfinite(metrics[name])
    assert metrics["test_sequences"] == 6
    report = assert_serves(workdir / "models/sequences_tiny", {"audio"}, 4)
    assert {"transcript", "tokens", "length", "log_probability"} <= set(
        report["signatures"]["serving_default"]["outputs"])
    recorded = parity(workdir, "sequences_tiny")
    path = workdir / "sequence.wav"
    path.write_bytes(from_jsonable(recorded["inputs"]["audio"][0]))
    (line,) = predict(workdir / "models/sequences_tiny", [str(path)])
    assert line.startswith(f"sequence.wav: {recorded['outputs']['transcript'][0]}  (log p")
    test = [json.loads(r) for r in
            (workdir / "data/sequences_tiny/ingest/test.jsonl").read_text().splitlines()]
    assert all(n.rsplit("_", 1)[1][0] in "01234" for r in test for n in r["names"])
