"""The MLflow store under concurrency and after crashes: created once under a lock,
repaired after a half-done migration, runs of killed processes closed."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

import pytest

from seqkeras.tracking import HOST_TAG, LOCK_TAG, PID_TAG, close_stale_runs, open_store

OPEN_AND_LOG = """
import sys
from pathlib import Path
from types import SimpleNamespace
from seqkeras.tracking import Tracker
spec = Path(sys.argv[1] + ".yaml")
spec.write_text("x: 1\\n")
tracker = Tracker()
with tracker.pipeline_run(SimpleNamespace(name=sys.argv[1]), spec, {"a": "1"}, {"b": "2"}):
    tracker.log_metrics({"m": 1.0})
print("ok")
"""


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "mlruns" / "mlflow.db"


def tables(db) -> set[str]:
    with sqlite3.connect(db) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_two_first_runs_at_once_share_one_healthy_store(store, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_LOG, name], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("first", "second")]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-1500:] for _, err in results]
    assert not {t for t in tables(store) if t.startswith("_alembic_tmp")}
    with sqlite3.connect(store) as con:
        statuses = sorted(r[0] for r in con.execute("SELECT status FROM runs"))
    assert statuses == ["FINISHED", "FINISHED"]


def test_a_half_done_migration_is_repaired(store):
    open_store("pipe")
    with sqlite3.connect(store) as con:  # what a migration killed midway leaves
        con.execute("CREATE TABLE _alembic_tmp_experiments (experiment_id INTEGER)")
    assert open_store("pipe") == open_store("pipe")
    assert "_alembic_tmp_experiments" not in tables(store)


def test_runs_of_dead_processes_are_closed_as_killed(store, tmp_path):
    from mlflow.tracking import MlflowClient

    experiment = open_store("pipe")
    client = MlflowClient()
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()
    host = socket.gethostname()
    lock = tmp_path / "data" / "pipe" / ".lock"
    dead = client.create_run(experiment, tags={PID_TAG: dead_pid, HOST_TAG: host})
    child = client.create_run(experiment, tags={"mlflow.parentRunId": dead.info.run_id,
                                                PID_TAG: dead_pid, HOST_TAG: host})
    held = client.create_run(experiment, tags={PID_TAG: str(os.getppid()), HOST_TAG: host,
                                               LOCK_TAG: str(lock.resolve())})
    alive = client.create_run(experiment, tags={PID_TAG: str(os.getppid()), HOST_TAG: host})
    remote = client.create_run(experiment, tags={PID_TAG: dead_pid, HOST_TAG: "elsewhere"})
    closed = close_stale_runs(experiment, lock)
    assert sorted(closed) == sorted([dead.info.run_id, child.info.run_id, held.info.run_id])
    status = {r: client.get_run(r).info.status for r in
              (dead.info.run_id, child.info.run_id, alive.info.run_id, remote.info.run_id)}
    assert status == {dead.info.run_id: "KILLED", child.info.run_id: "KILLED",
                      alive.info.run_id: "RUNNING", remote.info.run_id: "RUNNING"}
