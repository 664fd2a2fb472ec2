"""Distributed tuning on this machine: a chief oracle and worker processes.

Real processes, a real MLflow store and real signals, in one scenario (each start of a
worker costs a TensorFlow import): a worker killed mid-trial loses only that trial and
is replaced; the chief killed mid-search takes its workers with it; the next run
resumes the search with the finished trials kept and reruns only the others. Every
process exits, and no MLflow run is left RUNNING."""

from __future__ import annotations

import json
import os
import signal

import pytest

from tests.tuning.helpers import (alive, children, finish, runs, start_run, trial_states,
                                  wait_for, write_spec)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

TRIALS = 5
# Long enough trials that the watcher, polling the MLflow store every 0.5 s, sees a
# worker mid-trial even on a fast machine (CI once finished all 5 one-epoch trials in
# 17 s before the first poll caught one running).
TUNE_EPOCHS = 40


def test_killed_worker_killed_chief_and_resume(tmp_path):
    spec = write_spec(tmp_path, trials=TRIALS, tune_epochs=TUNE_EPOCHS)
    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    proc = start_run(tmp_path, spec, "--stage", "tune", "--workers", "2")

    def worker_in_a_trial():
        if not (tmp_path / "data" / "sms_tune" / "tune-search").exists():
            return None  # the pipeline is still creating the store
        pids = set(children(proc.pid))
        for run in runs(uri, "sms_tune"):
            pid = int(run.data.tags.get("seqkeras.pid", 0))
            if run.info.status == "RUNNING" and run.data.tags.get("seqkeras.trial") and pid in pids:
                return pid, run.data.tags["seqkeras.trial"], run.info.run_id
        return None

    # 1. a worker dies mid-trial: that trial fails, a replacement takes over
    pid, lost_trial, lost_run = wait_for(worker_in_a_trial, 300, "a worker in a trial", proc)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: "died (signal 9)" in proc.log_path.read_text(), 60, "the crash noticed", proc)
    wait_for(lambda: trial_states(tmp_path, "sms_tune").get(lost_trial) == "FAILED", 30,
             "the lost trial ended as FAILED", proc)
    wait_for(lambda: "COMPLETED" in trial_states(tmp_path, "sms_tune").values(), 300,
             "a finished trial", proc)
    # 2. the chief dies mid-search: its workers end too
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert workers and "started (pid" in proc.log_path.read_text()
    wait_for(lambda: not any(alive(p) for p in workers), 30, "the workers to exit")
    states = trial_states(tmp_path, "sms_tune")
    kept = sorted(t for t, s in states.items() if s in ("COMPLETED", "FAILED"))
    assert len(kept) < TRIALS, "the search ended before the chief was killed"

    # 3. the rerun resumes: finished trials kept, the others run, every process exits
    rerun = start_run(tmp_path, spec, "--stage", "tune", "--workers", "2")
    out = finish(rerun)
    assert rerun.returncode == 0, out[-3000:]
    assert f"resuming an interrupted search ({len(kept)} finished trial(s) kept)" in out
    stage = json.loads((tmp_path / "data" / "sms_tune" / "tune" / "_stage.json").read_text())
    summary = stage["summary"]
    rerun_trials = {t for ts in summary["trials_by_worker"].values() for t in ts}
    assert not rerun_trials & set(kept)
    assert rerun_trials | set(kept) == {str(i) for i in range(TRIALS)}
    assert summary["resumed_trials"] == len(kept)
    trials = json.loads((tmp_path / "data" / "sms_tune" / "tune" / "trials.json").read_text())
    status = {t["trial"]: t["status"] for t in trials}
    assert status[lost_trial] == "FAILED" and list(status.values()).count("FAILED") == 1
    assert summary["completed"] == TRIALS - 1
    assert not children(rerun.pid)

    all_runs = {r.info.run_id: r for r in runs(uri, "sms_tune")}
    assert all_runs[lost_run].info.status == "KILLED"
    assert "died (signal 9)" in all_runs[lost_run].data.tags["seqkeras.closed"]
    assert not [r for r in all_runs.values() if r.info.status == "RUNNING"]
    finished = [r.data.tags["seqkeras.trial"] for r in all_runs.values()
                if r.data.tags.get("seqkeras.trial") and r.info.status == "FINISHED"]
    assert sorted(finished) == sorted(t for t, s in status.items() if s == "COMPLETED")
    assert not (tmp_path / "data" / "sms_tune" / "tune-search").exists()
