"""MLflow tracking: one parent run per pipeline run, nested runs for tuner trials.

The store defaults to ``sqlite:///mlruns/mlflow.db`` (MLflow 3 refuses the plain file
store) with artifacts under ``mlruns/<pipeline>/``, both relative to the working
directory; ``$MLFLOW_TRACKING_URI`` overrides the store (a shared ``mlflow server``,
``seqkeras.tracking.server``, whose artifacts the server itself stores and serves).

Experiments are created as model-training experiments (the tag the MLflow 3 UI reads
to open an experiment on its runs table rather than its GenAI traces overview). Tuner
trials may run in other processes (distributed tuning): a trial run is created with an
explicit parent run id through the client, not through MLflow's active-run stack.

Runs in the same folder may start at the same moment: MLflow creates and migrates a
new SQLite store without any lock (two first runs at once corrupt it for good), so the
store is opened, repaired if an earlier crash left a migration half done, and the
pipeline's experiment created, all under one file lock beside the database. Each run
records its pid and host; a run whose process is gone (SIGKILL, power loss) is marked
KILLED when the next run of its pipeline starts.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from seqkeras.errors import SeqkerasError
from seqkeras.io.locks import pid_alive, waiting

log = logging.getLogger("seqkeras")

MLRUNS_DIR = "mlruns"
#: Tags every parent and nested run carries, to tell later whether its process still lives.
PID_TAG, HOST_TAG, LOCK_TAG = "seqkeras.pid", "seqkeras.host", "seqkeras.lock"
#: The experiment tag MLflow's UI reads for what an experiment holds, and the value for
#: trained models: with it, ``#/experiments/<id>`` opens on the runs table.
EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or \
        f"sqlite:///{Path(MLRUNS_DIR).resolve() / 'mlflow.db'}"


#: Where ``make ui`` serves the default sqlite store (its UI_PORT default).
LOCAL_UI = "http://127.0.0.1:5000"


def ui_url(base: str, experiment_id: str, run_id: str | None = None,
           artifact: str | None = None) -> str:
    """The MLflow UI's address of an experiment's runs table (or of one run, or of one of
    its artifacts) on the UI at ``base`` (http://host:port). MLflow 3's UI shows the
    GenAI overview unless asked for the model-training view (``workflowType``), which the
    link asks for."""
    page = f"/experiments/{experiment_id}"
    if run_id:
        page += f"/runs/{run_id}" + (f"/artifacts/{artifact}" if artifact else "")
    return f"{base.rstrip('/')}/#{page}?workflowType=machine_learning"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for other stores)."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///"):]).resolve()


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def log_to_active_run(path: Path, artifact_path: str = "train") -> None:
    """Log a file to the active MLflow run, if any, from code that holds no Tracker (a
    topology's evaluate); tracking must never fail the work it records."""
    try:
        import mlflow

        if mlflow.active_run() is not None:
            mlflow.log_artifact(str(path), artifact_path=artifact_path)
    except Exception as exc:
        log.warning("could not log %s: %s", Path(path).name, exc)


# ------------------------------------------------------------------------ the store
def repair_sqlite_store(db: Path) -> list[str]:
    """Finish what an interrupted migration of a SQLite store left: each leftover
    ``_alembic_tmp_<table>`` copy is dropped (its table exists) or renamed back (the
    migration had dropped the table already); the remaining migrations then run.
    Returns what was done. Call with the store lock held."""
    import sqlite3

    done: list[str] = []
    if not db.exists() or db.stat().st_size == 0:
        return done
    con = sqlite3.connect(db, timeout=60)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for name in sorted(t for t in tables if t.startswith("_alembic_tmp_")):
            base = name[len("_alembic_tmp_"):]
            if base in tables:
                con.execute(f'DROP TABLE "{name}"')
                done.append(f"dropped {name}")
            else:
                con.execute(f'ALTER TABLE "{name}" RENAME TO "{base}"')
                done.append(f"restored {base}")
        con.commit()
        if "alembic_version" not in tables:
            return done
    finally:
        con.close()
    import sqlalchemy
    from mlflow.store.db import utils as db_utils

    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    try:
        if db_utils._get_schema_version(engine) != db_utils._get_latest_schema_revision():
            db_utils._upgrade_db(engine)
            done.append("finished the schema migration")
    finally:
        engine.dispose()
    return done


def open_store(experiment: str) -> str:
    """Create or open the store and the experiment ``experiment``, safely against other
    processes doing the same; return the experiment id. Raises SeqkerasError with what
    to do when the store cannot be opened."""
    import mlflow
    from mlflow.exceptions import MlflowException

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    db = sqlite_path(uri)
    lock = waiting(db.parent / f".{db.name}.lock", "opening the MLflow store") if db \
        else _no_lock()
    with lock:
        try:
            if db is not None:
                db.parent.mkdir(parents=True, exist_ok=True)
                repaired = repair_sqlite_store(db)
                if repaired:
                    log.warning("MLflow store %s repaired: %s", db, "; ".join(repaired))
            found = mlflow.get_experiment_by_name(experiment)
            if found is None:
                # a local store keeps artifacts beside it; a server stores and serves them
                artifacts = (Path(MLRUNS_DIR).resolve() / experiment).as_uri() if db else None
                try:
                    return mlflow.create_experiment(
                        experiment, artifact_location=artifacts,
                        tags={EXPERIMENT_KIND_TAG: MODEL_TRAINING_KIND})
                except MlflowException:  # created meanwhile by a process on another machine
                    found = mlflow.get_experiment_by_name(experiment)
                    if found is None:
                        raise
            if EXPERIMENT_KIND_TAG not in found.tags:  # made by an older seqkeras
                mlflow.MlflowClient().set_experiment_tag(found.experiment_id,
                                                         EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND)
            return found.experiment_id
        except MlflowException as exc:
            advice = ("move it aside to start a new one" if db else
                      "is the server running? `make mlflow-server` starts one")
            raise SeqkerasError(
                f"the MLflow store {uri} cannot be opened: {str(exc).splitlines()[0][:300]} "
                f"({advice}, or run with --no-track)") from None


@contextmanager
def _no_lock():
    yield


def close_stale_runs(experiment_id: str, lock: Path | None) -> list[str]:
    """Mark KILLED the runs of an experiment still RUNNING although their process is gone:
    a run recorded on this host whose pid no longer exists, or that held ``lock`` (the
    caller holds it now, so that process has ended); runs without a recorded pid (older
    seqkeras) in a local store; and nested runs whose parent is no longer running.
    Returns the ids marked. Call while holding the pipeline's lock."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    running = client.search_runs([experiment_id], "attributes.status = 'RUNNING'",
                                 max_results=1000)
    host, local = socket.gethostname(), sqlite_path(tracking_uri()) is not None
    lock_text = str(Path(lock).resolve()) if lock else None
    dead: set[str] = set()
    for run in running:
        tags = run.data.tags
        if tags.get("mlflow.parentRunId"):
            continue
        pid = tags.get(PID_TAG)
        if pid is None:
            gone = local
        elif tags.get(HOST_TAG) != host:
            gone = False
        else:
            gone = (lock_text is not None and tags.get(LOCK_TAG) == lock_text) \
                or not pid_alive(int(pid))
        if gone and int(pid or -1) != os.getpid():
            dead.add(run.info.run_id)
    for run in running:
        parent = run.data.tags.get("mlflow.parentRunId")
        if parent and (parent in dead or client.get_run(parent).info.status != "RUNNING"):
            dead.add(run.info.run_id)
    now = int(time.time() * 1000)
    for run_id in sorted(dead):
        client.set_tag(run_id, "seqkeras.closed", "its process ended without closing it "
                       "(killed); closed when the next run of the pipeline started")
        client.set_terminated(run_id, status="KILLED", end_time=now)
    if dead:
        log.warning("MLflow: %d run(s) of killed processes marked KILLED", len(dead))
    return sorted(dead)


def close_process_runs(experiment_id: str, pid: int, reason: str,
                       status: str = "KILLED") -> list[str]:
    """Mark ``status`` the runs still RUNNING that process ``pid`` of this host opened
    (a tuner worker that died mid-trial); returns their ids."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    running = client.search_runs(
        [experiment_id], f"attributes.status = 'RUNNING' and tags.`{PID_TAG}` = '{int(pid)}'",
        max_results=1000)
    host = socket.gethostname()
    closed = [r.info.run_id for r in running if r.data.tags.get(HOST_TAG) == host]
    for run_id in closed:
        client.set_tag(run_id, "seqkeras.closed", reason)
        client.set_terminated(run_id, status=status)
    return closed


def _process_tags(lock: Path | None) -> dict:
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    if lock:
        tags[LOCK_TAG] = str(Path(lock).resolve())
    return tags


class Tracker:
    """Thin wrapper so stages log without knowing whether tracking is on."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.run_id = None
        self.experiment_id: str | None = None
        #: The run that tuner trials nest under (default: this tracker's own run).
        self.trial_parent: str | None = None
        self.lock: Path | None = None

    @classmethod
    def attached(cls, parent_run_id: str, experiment_id: str) -> "Tracker":
        """A tracker for a process that runs tuner trials for a pipeline run held by
        another process (a tuner worker): trials nest under ``parent_run_id``; it opens
        no run of its own (``log_metrics`` and the like do nothing)."""
        tracker = cls(enabled=True)
        tracker.trial_parent, tracker.experiment_id = parent_run_id, experiment_id
        return tracker

    @contextmanager
    def pipeline_run(self, spec, spec_path: Path, params: dict, tags: dict,
                     lock: Path | None = None):
        """The parent run of one pipeline run. ``lock``: the pipeline lock the caller
        holds; runs of killed processes of this pipeline are closed first."""
        if not self.enabled:
            yield self
            return
        import mlflow

        # MLflow's own INFO/WARNING chatter (alembic migrations, etc.) is noise here.
        for name in ("alembic", "mlflow"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self.lock = lock
        experiment_id = open_store(spec.name)
        close_stale_runs(experiment_id, lock)
        mlflow.set_experiment(experiment_id=experiment_id)
        with mlflow.start_run(run_name=f"{spec.name}") as run:
            self.run_id, self.experiment_id = run.info.run_id, experiment_id
            self.trial_parent = self.trial_parent or self.run_id
            mlflow.set_tags({**_process_tags(lock), **tags})
            mlflow.log_params({k: v[:6000] for k, v in params.items()})
            mlflow.log_artifact(str(spec_path), artifact_path="spec")
            log.info("MLflow run %s (experiment %r, store %s)", self.run_id, spec.name,
                     tracking_uri())
            if tracking_uri().startswith(("http://", "https://")):
                log.info("MLflow UI: %s", ui_url(tracking_uri(), experiment_id, self.run_id))
            elif sqlite_path(tracking_uri()) is not None:  # the default store: `make ui`
                log.info("MLflow UI (after `make ui`): %s",
                         ui_url(LOCAL_UI, experiment_id, self.run_id))
            try:
                yield self
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM (the CLI turns it into this)
                mlflow.set_tag("status", "killed")
                mlflow.end_run("KILLED")
                raise
            except BaseException:
                mlflow.set_tag("status", "failed")
                raise

    def log_metrics(self, metrics: dict, step: int | None = None):
        if self.enabled and self.run_id and metrics:
            import mlflow
            from seqkeras.tracking.names import metric_name

            clean = {metric_name(k): float(v) for k, v in metrics.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
            mlflow.log_metrics(clean, step=step)

    def log_params(self, params: dict):
        """Params of the pipeline run (values as strings); a key logged before keeps
        its first value (MLflow refuses to change one)."""
        if self.enabled and self.run_id and params:
            import mlflow
            from mlflow.exceptions import MlflowException

            for key, value in params.items():
                try:
                    mlflow.log_param(key, str(value))
                except MlflowException:
                    pass  # already logged (the same run resolving the same value again)

    def set_tags(self, tags: dict):
        if self.enabled and self.run_id:
            import mlflow
            mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_artifact(self, path: Path, artifact_path: str | None = None):
        if self.enabled and self.run_id and Path(path).exists():
            import mlflow
            mlflow.log_artifact(str(path), artifact_path=artifact_path)

    @contextmanager
    def nested_run(self, name: str, params: dict | None = None):
        if not self.enabled:
            yield
            return
        import mlflow
        with mlflow.start_run(run_name=name, nested=True):
            mlflow.set_tags(_process_tags(self.lock))
            if params:
                mlflow.log_params({k: str(v) for k, v in params.items()})
            yield

    @contextmanager
    def trial_run(self, name: str, params: dict | None = None, tags: dict | None = None):
        """One tuner trial as a run nested under ``trial_parent``, created through the
        client (so it works in a worker process and beside another active run). Yields
        a function logging a dict of metrics to it (a no-op when tracking is off); the
        run ends FINISHED, or FAILED when the body raises."""
        if not self.enabled or not self.trial_parent:
            yield lambda metrics: None
            return
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient

        client = MlflowClient()
        run = client.create_run(self.experiment_id, run_name=name, tags={
            "mlflow.parentRunId": self.trial_parent, **_process_tags(self.lock),
            **{k: str(v) for k, v in (tags or {}).items()}})
        run_id = run.info.run_id
        if params:
            client.log_batch(run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])

        def log(metrics: dict):
            now = int(time.time() * 1000)
            clean = [Metric(k, float(v), now, 0) for k, v in metrics.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if clean:
                client.log_batch(run_id, metrics=clean)

        try:
            yield log
        except KeyboardInterrupt:  # SIGTERM or Ctrl-C: the trial was stopped, not wrong
            client.set_terminated(run_id, status="KILLED")
            raise
        except BaseException:
            client.set_terminated(run_id, status="FAILED")
            raise
        client.set_terminated(run_id, status="FINISHED")

    def keras_callback(self):
        """A Keras callback logging every epoch's metrics to the active run."""
        import keras

        tracker = self

        class EpochMetrics(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                tracker.log_metrics(logs or {}, step=epoch)

        return EpochMetrics()
