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
