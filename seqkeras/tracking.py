"""MLflow tracking: one parent run per pipeline run, nested runs for tuner trials.

The store defaults to ``sqlite:///mlruns/mlflow.db`` (MLflow 3 refuses the plain file
store) with artifacts under ``mlruns/<pipeline>/``, both relative to the working
directory; ``$MLFLOW_TRACKING_URI`` overrides the store.
"""

from __future__ import annotations

import logging
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("seqkeras")

MLRUNS_DIR = "mlruns"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or \
        f"sqlite:///{Path(MLRUNS_DIR).resolve() / 'mlflow.db'}"


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


class Tracker:
    """Thin wrapper so stages log without knowing whether tracking is on."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.run_id = None

    @contextmanager
    def pipeline_run(self, spec, spec_path: Path, params: dict, tags: dict):
        if not self.enabled:
            yield self
            return
        import mlflow

        # MLflow's own INFO/WARNING chatter (alembic migrations, etc.) is noise here.
        for name in ("alembic", "mlflow"):
            logging.getLogger(name).setLevel(logging.ERROR)
        mlflow.set_tracking_uri(tracking_uri())
        experiment = mlflow.get_experiment_by_name(spec.name)
        if experiment is None:
            artifacts = (Path(MLRUNS_DIR).resolve() / spec.name).as_uri()
            mlflow.create_experiment(spec.name, artifact_location=artifacts)
        mlflow.set_experiment(spec.name)
        with mlflow.start_run(run_name=f"{spec.name}") as run:
            self.run_id = run.info.run_id
            mlflow.log_params({k: v[:6000] for k, v in params.items()})
            mlflow.set_tags(tags)
            mlflow.log_artifact(str(spec_path), artifact_path="spec")
            log.info("MLflow run %s (experiment %r, store %s)", self.run_id, spec.name,
                     tracking_uri())
            try:
                yield self
            except BaseException:
                mlflow.set_tag("status", "failed")
                raise

    def log_metrics(self, metrics: dict, step: int | None = None):
        if self.enabled and metrics:
            import mlflow
            clean = {k: float(v) for k, v in metrics.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
            mlflow.log_metrics(clean, step=step)

    def set_tags(self, tags: dict):
        if self.enabled:
            import mlflow
            mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_artifact(self, path: Path, artifact_path: str | None = None):
        if self.enabled and Path(path).exists():
            import mlflow
            mlflow.log_artifact(str(path), artifact_path=artifact_path)

    @contextmanager
    def nested_run(self, name: str, params: dict | None = None):
        if not self.enabled:
            yield
            return
        import mlflow
        with mlflow.start_run(run_name=name, nested=True):
            if params:
                mlflow.log_params({k: str(v) for k, v in params.items()})
            yield

    def keras_callback(self):
        """A Keras callback logging every epoch's metrics to the active run."""
        import keras

        tracker = self

        class EpochMetrics(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                tracker.log_metrics(logs or {}, step=epoch)

        return EpochMetrics()
