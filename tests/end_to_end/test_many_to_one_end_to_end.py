"""All six stages on a tiny slice of real IMDB data, then the export as TF Serving sees it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqkeras.constants import PARITY_FILE, WARMUP_FILE
from seqkeras.runner import run_pipeline
from seqkeras.serving.check import check_serving
from seqkeras.stages import STAGE_NAMES
from tests.pipeline_helpers import imdb_spec, workdir  # noqa: F401

pytestmark = pytest.mark.slow


def test_six_stages_export_serving_and_tracking(workdir):  # noqa: F811
    spec_path = imdb_spec(workdir, tune=True)
    first = run_pipeline(spec_path)
    assert first.ran == STAGE_NAMES

    # the split column was honoured and the sample kept both labels
    stats = json.loads((workdir / "data/imdb_tiny/ingest/stats.json").read_text())
    assert {s: stats["splits"][s]["records"] for s in ("train", "val", "test")} == \
        {"train": 48, "val": 48, "test": 48}
    assert set(stats["splits"]["train"]["labels"]) == {"neg", "pos"}

    # vocabulary from the training split, reserved ids first
    vocab = (workdir / "data/imdb_tiny/tokenize/vocab.txt").read_text().split("\n")
    assert vocab[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]

    metrics = json.loads((workdir / "data/imdb_tiny/train/metrics.json").read_text())
    for name in ("test_accuracy", "test_loss", "test_macro_f1"):
        assert np.isfinite(metrics[name])
    assert 0.0 <= metrics["test_accuracy"] <= 1.0

    version_dir = workdir / "models/imdb_tiny/1"
    assert (version_dir / "saved_model.pb").exists()
    assert (version_dir / "assets/vocab.txt").exists()
    assert (version_dir / "assets.extra" / WARMUP_FILE).stat().st_size > 0
    assert not list((workdir / "models/imdb_tiny").glob(".tmp-*"))

    # TF's C++ loader (as TF Serving) loads it, replays warmup and answers raw strings
    # exactly as the trained Keras model did
    report = check_serving(workdir / "models/imdb_tiny")
    assert report["ok"] and report["disallowed_ops"] == []
    assert report["warmup_requests"] >= 1
    assert report["signatures"]["serving_default"]["inputs"] == {"text": "serving_default_text:0"}
    assert {"label", "probabilities", "score"} <= set(report["signatures"]["serving_default"]["outputs"])
    parity = json.loads((version_dir / "assets.extra" / PARITY_FILE).read_text())
    assert report["parity"]["examples"] == len(parity["inputs"]["text"]) == 8
    assert set(parity["outputs"]["label"]) <= {"neg", "pos"}
    assert report["parity"]["max_abs_diff"] < 1e-4

    # MLflow: one parent run with params, tags and test metrics; one nested run per trial
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns/mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["imdb_tiny"], output_format="list")
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == first.run_id]
    assert len(parent) == 1 and parent[0].info.run_id == first.run_id
    assert len(trials) == 2
    data = parent[0].data
    assert data.params["model.cell"] == "lstm" and data.params["tokenize.max_length"] == "24"
    assert "test_accuracy" in data.metrics and "test_macro_f1" in data.metrics
    assert data.tags["spec.hash"] and data.tags["data.fingerprint"] and data.tags["git.commit"]
    # the baseline beside the model: its figures, the skill, the verdict as a tag
    for name in ("baseline_test_accuracy", "skill_accuracy", "majority_test_accuracy",
                 "below_baseline", "val_macro_f1"):
        assert name in data.metrics
    # below on any compared metric (accuracy or macro-F1) makes the verdict BELOW
    below = any(data.metrics[f"baseline_test_{m}"] > data.metrics[f"test_{m}"] + 1e-9
                for m in ("accuracy", "macro_f1"))
    assert data.tags["quality.below_baseline"] == ("true" if below else "false")
    assert "TF-IDF" in data.tags["quality.baseline"]
    assert (artifacts_dir := workdir / "mlruns" / "imdb_tiny" / first.run_id / "artifacts")
    assert (artifacts_dir / "train" / "baseline.json").exists()
    artifacts = workdir / "mlruns" / "imdb_tiny" / first.run_id / "artifacts"
    assert (artifacts / "spec" / "imdb_tiny.yaml").exists()
    assert (artifacts / "train" / "learning_curves.png").exists()
    assert (artifacts / "train" / "confusion_matrix.png").exists()
    assert (artifacts / "tokenize" / "vocab.txt").exists()

    # an unchanged second run skips every stage and writes no new version
    second = run_pipeline(spec_path)
    assert second.ran == [] and second.skipped == STAGE_NAMES
    assert sorted(p.name for p in (workdir / "models/imdb_tiny").iterdir()) == ["1"]


@pytest.mark.parametrize("aux", ["", ", aux_loss_weight: 1.0, head_aux_loss_weight: 0.5",
                                 ", binary: true, nb_weighting: true",
                                 ", nb_weighting: true, normalize: sqrt, prefit: true, "
                                 "head_aux_loss_weight: 1.0"],
                         ids=["joint_loss", "deep_supervision", "nb_weighting", "prefit"])
def test_ngram_branch_trains_exports_and_serves_as_keras(workdir, aux):  # noqa: F811
    """model.ngram_branch end to end on a slice of SMS spam: the bag learns, the export
    passes TF's C++ loader with only linked ops, and its answers are the Keras model's
    (with auxiliary losses too: the served output is the joint one)."""
    import keras

    from seqkeras.topologies.many_to_one.deep_supervision import prediction

    from tests.pipeline_helpers import TINY_TRAINING, require_shared, run_all_stages

    require_shared("sms_spam/sms.tsv")
    training = TINY_TRAINING.format(cell="gru", bidirectional="false").replace(
        "  units: 8\n",
        "  units: 8\n  ngram_branch: {ngrams: 3, buckets: 4096, learning_rate_scale: 100"
        + aux + "}\n")
    run_all_stages(workdir, "sms_ngram", """
topology: many_to_one
seed: 3
data:
  sources:
    - {path: sms_spam/sms.tsv, format: tsv, header: false, text_field: 1, label_field: 0}
  max_records_per_split: 64
""" + training)

    model = keras.saving.load_model(workdir / "data/sms_ngram/train/model.keras")
    vocab_size = model.get_layer("embedding").input_dim
    table = model.get_layer("ngram_branch").table.numpy()
    assert table.shape == (vocab_size + 4096, 1) and np.abs(table).max() > 0   # it learned

    report = check_serving(workdir / "models/sms_ngram")
    assert report["ok"] and report["disallowed_ops"] == []
    assert report["parity"]["examples"] == 8 and report["parity"]["max_abs_diff"] < 1e-4

    # token ids in, the Keras model's probabilities out (trailing padding included)
    import tensorflow as tf

    ids = np.random.default_rng(0).integers(1, vocab_size, size=(5, 12))
    ids[1, 7:] = 0
    served = tf.saved_model.load(str(workdir / "models/sms_ngram/1")).signatures[
        "from_token_ids"](token_ids=tf.constant(ids, tf.int64))["probabilities"].numpy()
    p = np.asarray(prediction(model(ids)))
    np.testing.assert_allclose(served, np.concatenate([1 - p, p], axis=-1), atol=1e-5)
    assert (type(model).__name__ == "DeeplySupervisedClassifier") == ("aux_loss" in aux)
    if "nb_weighting" in aux:   # the ratios were counted on the training texts and saved
        ratio = model.get_layer("ngram_branch").nb_ratio.numpy()
        assert ratio.shape == table.shape and np.unique(ratio).size > 2
    # prefit: the regression's table stayed fixed while the recurrent stack trained
    assert model.get_layer("ngram_branch").trainable == ("prefit" not in aux)
