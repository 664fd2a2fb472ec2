"""The Model Registry as a user meets it: every export a registered version with its
provenance, ``promote`` moving the champion / challenger aliases, ``serve-config``
turning them into TF Serving version labels, ``check-serving --label`` loading the
labelled version through TF's C++ loader."""

from __future__ import annotations

import json

import pytest

from seqkeras.serving.config import labelled_version, read_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def test_every_export_is_a_registered_version_with_its_provenance(exported_twice):
    from mlflow import MlflowClient

    client = MlflowClient(exported_twice.tracking_uri)
    versions = sorted(client.search_model_versions("name = 'sms_tiny'"), key=lambda v: int(v.version))
    assert [v.tags["export.version"] for v in versions] == ["1", "2"]
    metrics = json.loads((exported_twice.workdir / "data/sms_tiny/train/metrics.json").read_text())
    for version in versions:
        run = client.get_run(version.run_id)
        assert version.tags["run_id"] == version.run_id
        for key in ("git.commit", "spec.hash", "data.fingerprint"):
            assert version.tags[key] == run.data.tags[key], key
        assert version.tags["export.path"].endswith(f"models/sms_tiny/{version.tags['export.version']}")
        assert float(version.tags["test_accuracy"]) == pytest.approx(metrics["test_accuracy"], rel=1e-5)
        # the run's logged model holds the SavedModel, so the UI links run, model and version
        [model] = client.search_logged_models(
            [run.info.experiment_id], filter_string=f"name = 'sms_tiny' AND "
            f"source_run_id = '{version.run_id}'")
        assert model.model_id in version.source
        files = {f.path for f in client.list_logged_model_artifacts(model.model_id)}
        assert "saved_model.pb" in files


def test_promote_serve_config_and_check_serving_a_label(exported_twice):
    cli = exported_twice.cli
    out = cli("promote", "sms_tiny", "1", "--alias", "champion").stdout
    assert "alias champion -> registry version 1 (export 1" in out
    cli("promote", "sms_tiny", "2", "--alias", "challenger")
    out = cli("serve-config", "sms_tiny").stdout
    assert "sms_tiny: versions 1, 2; labels canary -> 2, stable -> 1" in out

    config_path = exported_twice.workdir / "models" / "models.config"
    [entry] = read_config(config_path).model_config_list.config
    assert entry.name == "sms_tiny" and entry.base_path == "/models/sms_tiny"
    assert list(entry.model_version_policy.specific.versions) == [1, 2]
    assert dict(entry.version_labels) == {"stable": 1, "canary": 2}

    # a promotion moves the label: version 2 becomes the champion
    cli("promote", "sms_tiny", "2", "--alias", "champion")
    cli("serve-config", "sms_tiny")
    assert labelled_version(config_path, "sms_tiny", "stable") == 2

    done = cli("check-serving", "models/sms_tiny", "--label", "stable")
    assert "label stable -> version 2" in done.stdout
    assert "models/sms_tiny/2" in done.stdout

    # mistakes a user can make get one line saying what to do
    wrong = cli("promote", "sms_tiny", "7", "--alias", "champion", check=False)
    assert wrong.returncode == 2
    assert "no registered version of 'sms_tiny' comes from export 7 (registered exports: 1, 2" \
        in wrong.stderr
    missing = cli("check-serving", "models/sms_tiny", "--label", "beta", check=False)
    assert missing.returncode == 2 and "has no label 'beta'" in missing.stderr


def test_make_serve_mounts_the_config(exported_twice):
    from seqkeras.cli import serve_command

    models = exported_twice.workdir / "models"
    (models / "models.config").write_text("model_config_list {}\n")
    cmd = serve_command(str(models), 8501, "127.0.0.1", str(models / "models.config"), 30)
    assert f"type=bind,source={models},target=/models" in cmd
    assert "--model_config_file=/models/models.config" in cmd
    assert "--model_config_file_poll_wait_seconds=30" in cmd
    assert "--allow_version_labels_for_unavailable_models=true" in cmd  # else startup fails
