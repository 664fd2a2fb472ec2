"""No broken model ships, and the served signatures keep their contracts: a diverging
run fails, non-finite weights are never exported, check-serving names what is broken,
and requests of the wrong rank or out of the vocabulary are refused with a reason."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.reliability_cases import tiny_spec
from seqkeras.errors import ModelError, SeqkerasError, SpecError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A tiny many-to-one pipeline run once (no tracking): data/, models/tiny/1."""
    from seqkeras.runner import run_pipeline

    root = tmp_path_factory.mktemp("project")
    (root / "pipelines").mkdir()
    spec = root / "pipelines" / "tiny.yaml"
    spec.write_text(tiny_spec())
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        run_pipeline(spec, track=False)
    return root


@pytest.fixture
def inside(project, monkeypatch):
    monkeypatch.chdir(project)
    return project


@pytest.fixture(scope="module")
def probe(project):
    """What the export answered through TF's C API (in a child process: see serve_probe)."""
    import subprocess
    import sys

    out = project / "probe.json"
    subprocess.run([sys.executable, "-m", "tests.reliability.serve_probe",
                    str(project / "models" / "tiny" / "1"), str(out), "300"], check=True,
                   cwd=Path(__file__).resolve().parents[2], timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return json.loads(out.read_text())


# ----------------------------------------------------------------- training guards
def test_a_diverging_fit_stops_with_a_clear_error():
    # `learning_rate: .inf` (how the issue made a NaN model) is refused by validate now,
    # and the tiny pipelines do not diverge at the largest rate the schema takes; a NaN
    # in the data makes the loss non-finite the same way inside a real fit
    import keras

    from seqkeras.spec import PipelineSpec
    from seqkeras.stages.train import StopOnNonFiniteLoss

    spec = PipelineSpec.model_validate({"name": "d", "data": {"sources": [{"path": "x.csv"}]}})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 2), np.float32)
    x[5, 1] = np.nan
    with pytest.raises(ModelError, match=r"train: the loss became nan at epoch 1, step 3 "
                                         r"\(train.learning_rate 0.001"):
        model.fit(x, np.ones(8), batch_size=2, epochs=1, verbose=0, shuffle=False,
                  callbacks=[StopOnNonFiniteLoss(spec)])


def test_export_refuses_non_finite_weights(inside):
    import keras

    from seqkeras.runner import run_pipeline

    model_path = inside / "data" / "tiny" / "train" / "model.keras"
    good = model_path.read_bytes()
    model = keras.models.load_model(model_path)
    weights = model.get_weights()
    weights[0][0] = np.nan
    model.set_weights(weights)
    model.save(model_path)
    try:
        with pytest.raises(ModelError, match=r"export: 1 weight tensor\(s\) hold NaN"):
            run_pipeline(inside / "pipelines" / "tiny.yaml", stage="export", force=True,
                         track=False)
    finally:
        model_path.write_bytes(good)
    assert sorted(p.name for p in (inside / "models" / "tiny").iterdir()) == ["1"]


def test_export_folders_outside_the_project_need_an_absolute_path(inside):
    from seqkeras.runner import run_pipeline

    spec = inside / "pipelines" / "tiny.yaml"
    text = spec.read_text()
    try:
        spec.write_text(text.replace("export: {", "export: {base_dir: ../outside, "))
        with pytest.raises(SpecError, match=r"export.base_dir: '../outside' climbs out of the project"):
            run_pipeline(spec, stage="export", force=True, track=False)
    finally:
        spec.write_text(text)
    assert not (inside.parent / "outside").exists()


def test_trivial_baselines_flag_a_model_that_does_not_beat_them():
    from seqkeras.baselines import BaselineResult, BaselineScore, compare

    floor = BaselineResult([BaselineScore("accuracy", 0.75, "max", "majority class", "majority",
                                          strict=True)])
    logged, [c] = compare({"test_accuracy": 0.75}, floor)
    assert c.loses and logged["below_baseline"] == 1.0  # no better than the majority class
    logged, [c] = compare({"test_accuracy": 0.76}, floor)
    assert not c.loses and logged["below_baseline"] == 0.0
    strong = BaselineResult([BaselineScore("accuracy", 0.75, "max", "tf-idf")])
    assert compare({"test_accuracy": 0.75}, strong)[0]["below_baseline"] == 0.0  # a tie
    naive = BaselineResult([BaselineScore("mae", 10.0, "min", "persistence", "naive",
                                          strict=True)])
    assert compare({"test_mae": 10.2}, naive)[0]["below_baseline"] == 1.0
    assert compare({"test_mae": 8.0}, naive)[0]["below_baseline"] == 0.0


# ------------------------------------------------------------------- serving contracts
INVALID_ARGUMENT = 3


def refused(probe, case, *words):
    result = probe["cases"][case]
    assert result.get("code") == INVALID_ARGUMENT, (case, result)
    for word in words:
        assert word in result["message"], (case, result["message"])


def test_inputs_of_the_wrong_rank_are_refused_naming_the_input(probe):
    text, ids = "input text of signature serving_default", "input token_ids of signature " \
        "from_token_ids"
    refused(probe, "text 2-D", f"{text} must have rank 1 (shape [batch]); got rank] [2]")
    refused(probe, "text scalar", f"{text} must have rank 1", "got rank] [0]")
    refused(probe, "ids 1-D", f"{ids} must have rank 2 (shape [batch, n])")


def test_ids_outside_the_vocabulary_are_refused(probe):
    vocab = probe["vocab"]
    refused(probe, "ids -3",
            f"input token_ids of signature from_token_ids must hold ids in [0, {vocab})", "[-3]")
    refused(probe, "ids vocab", f"[{vocab}]")
    refused(probe, "ids vocab+10", f"[{vocab + 10}]")


def test_empty_inputs_get_the_documented_answer(probe):
    empty = probe["cases"]["empty batch"]["outputs"]
    assert empty["label"] == [] and empty["probabilities"] == []
    out = probe["cases"]["empty texts"]["outputs"]
    assert out["label"][0] == "" and out["score"][0] == 0.0  # no tokens: no evidence
    assert out["label"][1] in ("female", "male") and out["score"][1] > 0
    assert len(probe["cases"]["bytes"]["outputs"]["label"]) == 2  # any bytes are answered


def test_fuzzed_requests_are_answered_or_refused_cleanly(probe):
    assert len(probe["fuzz"]) == 300
    for r in probe["fuzz"]:
        want = INVALID_ARGUMENT if r["expect"] == "reject" else None
        assert r["code"] == want and r["finite"], r


def test_predict_reads_any_bytes(inside, capsys):
    from seqkeras.cli import main

    assert main(["predict", "models/tiny", "ab\udcff\udcfe", "", "Mary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "0.000" in lines[1]


# ------------------------------------------------------------ check-serving, broken
@pytest.mark.parametrize("broken_file, damage, message", [
    ("variables/", lambda d: shutil.rmtree(d / "variables"), "missing: the model's weights"),
    ("assets/vocab.txt", lambda d: (d / "assets/vocab.txt").unlink(), "missing: the graph reads"),
    ("assets.extra/seqkeras_parity.json",
     lambda d: (d / "assets.extra/seqkeras_parity.json").write_text('{"sig'), "not valid JSON"),
    ("assets.extra/tf_serving_warmup_requests",
     lambda d: (d / "assets.extra/tf_serving_warmup_requests").write_bytes(b"\0" * 20),
     "unreadable"),
])
def test_the_file_checks_name_the_broken_file(project, tmp_path, broken_file, damage, message):
    from seqkeras.serving.capi import check
    from seqkeras.serving.preflight import ExportDamaged

    version = tmp_path / "1"
    shutil.copytree(project / "models" / "tiny" / "1", version)
    damage(version)
    with pytest.raises(ExportDamaged, match=re.escape(f"{broken_file}: {message}")):
        check(str(version))  # found before the C++ loader is involved


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "saved_model.pb").write_bytes(b""), "saved_model.pb: empty (0 bytes)"),
    (lambda d: shutil.rmtree(d / "variables"), "variables/: missing: the model's weights"),
    (lambda d: (d / "assets/vocab.txt").unlink(), "assets/vocab.txt: missing"),
])
def test_predict_names_the_broken_file_of_a_damaged_export(project, tmp_path, damage, message):
    """The loader's own words named nothing ("Graph execution error") or misled ("pass
    a tags= argument")."""
    from seqkeras.serving.predict import predict

    version = tmp_path / "model" / "1"
    shutil.copytree(project / "models" / "tiny" / "1", version)
    damage(version)
    with pytest.raises(SeqkerasError, match=re.escape(f"{version}: {message}")):
        predict(version.parent, ["Mary"])


def test_check_serving_names_the_broken_file(project, tmp_path):
    from seqkeras.serving.check import check_serving

    version = tmp_path / "model" / "1"
    shutil.copytree(project / "models" / "tiny" / "1", version)
    (version / "saved_model.pb").write_bytes(b"")
    with pytest.raises(SeqkerasError, match=re.escape(f"{version}: saved_model.pb: empty "
                                                      "(0 bytes): the export is broken")):
        check_serving(version.parent)


def test_check_serving_fails_on_non_finite_outputs(tmp_path):
    import tensorflow as tf

    from seqkeras.constants import PARITY_FILE
    from seqkeras.serving.check import check_serving

    class Broken(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serve(self, text):
            n = tf.shape(text)[0]
            return {"score": tf.fill([n], float("nan"))}

    module = Broken()
    version = tmp_path / "nan" / "1"
    tf.saved_model.save(module, str(version), signatures={"serving_default": module.serve})
    (version / "assets.extra").mkdir()
    (version / "assets.extra" / PARITY_FILE).write_text(json.dumps({
        "signature": "serving_default", "inputs": {"text": ["a", "b"]},
        "outputs": {"score": [float("nan"), float("nan")]}}))
    with pytest.raises(SeqkerasError, match=r"seqkeras_parity.json: the model answers with "
                                            r"non-finite numbers \(score: 2 of 2 values are NaN"):
        check_serving(version.parent)
    assert os.path.isdir(version)  # nothing is removed: the user decides


def test_model_folder_holds_versions_only(project):
    assert sorted(p.name for p in Path(project / "models" / "tiny").iterdir()) == ["1"]
