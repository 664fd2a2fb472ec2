"""seqkeras.tracking: the disabled tracker is a no-op; where the MLflow store lives."""

from __future__ import annotations

from seqkeras.tracking import Tracker, git_commit, tracking_uri


def test_disabled_tracker_does_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.txt").write_text("x")
    tracker = Tracker(enabled=False)
    with tracker.pipeline_run(spec=None, spec_path=tmp_path / "p.yaml", params={}, tags={}) as t:
        assert t is tracker and tracker.run_id is None
        tracker.log_metrics({"a": 1.0})
        tracker.set_tags({"b": "c"})
        tracker.log_artifact(tmp_path / "f.txt", "x")
        with tracker.nested_run("trial-1", {"units": 3}):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]  # no mlruns/ written


def test_tracking_uri_default_and_override(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri() == f"sqlite:///{tmp_path.resolve() / 'mlruns' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert tracking_uri() == "http://127.0.0.1:5000"


def test_git_commit_is_a_hash_or_unknown():
    commit = git_commit()
    assert commit == "unknown" or (len(commit) == 40 and int(commit, 16) >= 0)


def test_trials_an_interrupted_search_never_recorded_are_superseded(tmp_path, monkeypatch):
    """A worker ended trial 2's run FINISHED but the chief died before its oracle
    recorded it: on resume that run is closed KILLED (the trial runs again); recorded
    trials and other searches' runs are left alone."""
    import mlflow
    from mlflow.tracking import MlflowClient

    from seqkeras.tracking.trials import close_unrecorded_trials

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    experiment = client.create_experiment("search")
    old_parent = client.create_run(experiment).info.run_id
    other_parent = client.create_run(experiment).info.run_id
    trials = {}
    for parent, trial in [(old_parent, "1"), (old_parent, "2"), (other_parent, "2")]:
        run = client.create_run(experiment, tags={"mlflow.parentRunId": parent,
                                                  "seqkeras.trial": trial})
        client.set_terminated(run.info.run_id, status="FINISHED")
        trials[(parent, trial)] = run.info.run_id
    closed = close_unrecorded_trials(experiment, [old_parent], ["0", "1"], "superseded")
    assert closed == [trials[(old_parent, "2")]]
    status = {k: client.get_run(v).info.status for k, v in trials.items()}
    assert status == {(old_parent, "1"): "FINISHED", (old_parent, "2"): "KILLED",
                      (other_parent, "2"): "FINISHED"}
    assert client.get_run(closed[0]).data.tags["seqkeras.closed"] == "superseded"
    assert close_unrecorded_trials(experiment, [], ["0"], "x") == []
    assert mlflow.get_tracking_uri().startswith("sqlite:")


def test_metrics_named_after_any_label_reach_mlflow(tmp_path, monkeypatch):
    """CoNLL-2003 POS tags ($, '', (, ...) name per-tag metrics: MLflow refused them and
    the run failed after training."""
    import mlflow

    from seqkeras.tracking.names import metric_name

    assert metric_name("test_entity_f1_PER") == "test_entity_f1_PER"
    assert metric_name("test_entity_f1_$") == "test_entity_f1__u0024"
    assert metric_name("test_entity_f1_''") != metric_name("test_entity_f1_'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    from seqkeras.spec import PipelineSpec

    spec = PipelineSpec.model_validate({"name": "pos", "topology": "many_to_one",
                                        "data": {"sources": [{"path": "x.csv"}]}})
    (tmp_path / "p.yaml").write_text("name: pos\n")
    tracker = Tracker(enabled=True)
    with tracker.pipeline_run(spec=spec, spec_path=tmp_path / "p.yaml", params={}, tags={}):
        tracker.log_metrics({"test_entity_f1_$": 0.5, "test_entity_f1_(": 0.25,
                             "test_entity_f1_PRP$": 1.0})
        run_id = tracker.run_id
    metrics = mlflow.get_run(run_id).data.metrics
    assert metrics == {"test_entity_f1__u0024": 0.5, "test_entity_f1__u0028": 0.25,
                       "test_entity_f1_PRP_u0024": 1.0}


def test_an_export_with_per_tag_metrics_of_any_label_is_registered(tmp_path, monkeypatch):
    """A POS tagger's export failed to register (MLflow refused the version tag
    ``test_entity_f1_"``) and ``promote`` then blamed tracking: the tags take the names
    the metrics were logged under."""
    from mlflow import MlflowClient

    from seqkeras.registry import find_version, register_export
    from seqkeras.spec import PipelineSpec

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    spec = PipelineSpec.model_validate({"name": "pos", "topology": "many_to_one",
                                        "data": {"sources": [{"path": "x.csv"}]}})
    (tmp_path / "p.yaml").write_text("name: pos\n")
    export = tmp_path / "models" / "pos" / "1"
    export.mkdir(parents=True)
    (export / "saved_model.pb").write_bytes(b"not read here")
    metrics = {'test_entity_f1_"': 0.5, "test_entity_f1_$": 0.25, "test_entity_f1_(": 1.0,
               "test_entity_f1_,": 0.75, "test_token_accuracy": 0.9}
    tracker = Tracker(enabled=True)
    with tracker.pipeline_run(spec=spec, spec_path=tmp_path / "p.yaml", params={}, tags={}):
        tracker.log_metrics(metrics)
        registered = register_export(tracker, "pos", export, 1, metrics)
    assert registered["version"] == 1
    client = MlflowClient()
    version = find_version(client, "pos", 1)
    assert version.tags["test_entity_f1__u0022"] == "0.5"
    assert version.tags["test_entity_f1__u0024"] == "0.25"
    assert version.tags["test_token_accuracy"] == "0.9"
