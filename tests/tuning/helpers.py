"""Running ``seqkeras run --stage tune --workers N`` as a user would, and watching it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.pipeline_helpers import SHARED_DATA, require_shared

TUNE_SPEC = """
name: {name}
topology: many_to_one
seed: 3
data:
  sources:
    - {{path: sms_spam/sms.tsv, format: tsv, header: false, text_field: 1, label_field: 0}}
  max_records_per_split: 48
tokenize: {{level: word, max_tokens: 200, max_length: 12}}
model: {{embedding_dim: 4, cell: gru, units: 4, bidirectional: false}}
train: {{epochs: 1, batch_size: 16, steps_per_epoch: 2, early_stopping: null}}
export: {{parity_examples: 4, warmup_examples: 2}}
tune:
  enabled: true
  algorithm: random
  max_trials: {trials}
  epochs: {tune_epochs}
  steps_per_epoch: 2
  objective: val_loss
  space:
    model.units: {{choice: [4, 6, 8]}}
    train.learning_rate: {{min: 0.001, max: 0.01, sampling: log}}
"""


def write_spec(workdir: Path, name: str = "sms_tune", trials: int = 4,
               tune_epochs: int = 1) -> Path:
    """A tiny tuned pipeline; ``tune_epochs`` stretches each trial for tests that must
    catch a worker mid-trial (one epoch of this model lasts milliseconds on a fast CPU)."""
    require_shared("sms_spam/sms.tsv")
    path = workdir / "pipelines" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TUNE_SPEC.format(name=name, trials=trials, tune_epochs=tune_epochs))
    return path


def cli_env(tracking_uri: str | None = None) -> dict:
    env = dict(os.environ, SEQKERAS_DATA_ROOT=str(SHARED_DATA), CUDA_VISIBLE_DEVICES="",
               TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("MLFLOW_TRACKING_URI", None)
    for key in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
        env.pop(key, None)
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    return env


def start_run(workdir: Path, spec: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    log_path = workdir / f"run-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "seqkeras.cli", "run", str(spec), *args],
                                cwd=workdir, env=env or cli_env(), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proc.log_path = log_path
    return proc


def finish(proc: subprocess.Popen, timeout: float = 600) -> str:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"seqkeras run did not finish within {timeout} s:\n"
                             + proc.log_path.read_text()[-4000:])
    return proc.log_path.read_text()


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def trial_states(workdir: Path, name: str) -> dict[str, str]:
    """trial id -> status, from the running search's keras-tuner files."""
    states = {}
    for path in (workdir / "data" / name / "tune-search" / "keras_tuner").glob("trial_*/trial.json"):
        try:
            trial = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        states[trial["trial_id"]] = trial["status"]
    return states


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None,
             poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"seqkeras run ended before {what}:\n"
                                 + proc.log_path.read_text()[-4000:])
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def runs(tracking_uri: str, experiment: str) -> list:
    """The runs of ``experiment`` (none while the store does not exist yet: the test
    never creates a store the pipeline is about to create under its lock)."""
    import mlflow

    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri[10:]).exists():
        return []

    client = mlflow.MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    return client.search_runs([found.experiment_id], max_results=1000) if found else []
