"""A shared MLflow tracking server on PostgreSQL: the real server, the real database.

One pipeline run whose tuner trials run in two worker processes logging at once (six
trials, each one nested run, none duplicated, the best one trained and exported, the
export registered with its provenance, every process gone at the end), rows checked
in PostgreSQL itself; and a client that keeps logging across a server restart."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.tracking.server_fixture import mlflow_server  # noqa: F401  (fixture)
from tests.tuning.helpers import children, cli_env, finish, start_run, write_spec

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.timeout(900)]


def test_two_tuner_workers_and_a_pipeline_run_on_postgres(tmp_path, mlflow_server):  # noqa: F811
    import mlflow
    import psycopg2

    # trials of several seconds, so both workers get some even on a fast machine
    spec = write_spec(tmp_path, name="sms_shared", trials=6, tune_epochs=10)
    proc = start_run(tmp_path, spec, "--workers", "2", env=cli_env(mlflow_server.url))
    out = finish(proc)
    assert proc.returncode == 0, out[-4000:]
    assert not children(proc.pid)

    client = mlflow.MlflowClient(mlflow_server.url)
    experiment = client.get_experiment_by_name("sms_shared")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert experiment.artifact_location.startswith("mlflow-artifacts:")  # served by the server
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    [parent] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert parent.info.status == "FINISHED"
    assert sorted(r.data.tags["seqkeras.trial"] for r in trials) == [str(i) for i in range(6)]
    assert {r.info.status for r in trials} == {"FINISHED"}
    assert len({r.data.tags["seqkeras.pid"] for r in trials}) == 2  # two workers logged
    assert len({json.dumps(r.data.params, sort_keys=True) for r in trials}) == 6

    best = json.loads((tmp_path / "data" / "sms_shared" / "tune" / "best_hparams.json").read_text())
    assert f"train: using tuned values {best}" in out
    assert parent.data.tags["tuned.model.units"] == str(best["model.units"])

    [version] = client.search_model_versions("name = 'sms_shared'")
    assert version.run_id == parent.info.run_id and version.tags["export.version"] == "1"
    for key in ("git.commit", "spec.hash", "data.fingerprint", "export.path", "test_accuracy"):
        assert version.tags[key], key
    # the run's logged model holds the SavedModel (the REST search of versions leaves
    # model_id out, so the model is found from its run)
    [model] = client.search_logged_models([experiment.experiment_id],
                                          filter_string=f"source_run_id = '{parent.info.run_id}'")
    assert model.model_id in version.source
    files = client.list_logged_model_artifacts(model.model_id)
    assert "saved_model.pb" in {f.path for f in files}

    cluster = mlflow_server.cluster
    with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="mlflow",
                          password=cluster.password, dbname="mlflow") as con:
        with con.cursor() as cur:
            cur.execute("SELECT count(*) FROM runs WHERE experiment_id = %s",
                        (int(experiment.experiment_id),))
            assert cur.fetchone()[0] == 7
            cur.execute("SELECT count(*) FROM model_versions WHERE name = 'sms_shared'")
            assert cur.fetchone()[0] == 1


def test_a_client_logs_across_a_server_restart(mlflow_server):  # noqa: F811
    import mlflow

    client = mlflow.MlflowClient(mlflow_server.url)
    experiment = client.create_experiment(f"restart-{time.time_ns()}")
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "before", 1.0)
    mlflow_server.server.stop()
    logged = {}

    def log_while_down():  # MLflow's client retries with backoff until the server is back
        started = time.monotonic()
        client.log_metric(run.info.run_id, "during", 2.0)
        logged["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=log_while_down)
    thread.start()
    time.sleep(2)
    mlflow_server.server.start()
    thread.join(120)
    assert not thread.is_alive() and logged["seconds"] > 1
    client.log_metric(run.info.run_id, "after", 3.0)
    client.set_terminated(run.info.run_id)
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics == {"before": 1.0, "during": 2.0, "after": 3.0}
