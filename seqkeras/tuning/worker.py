"""One tuner worker: ``python -m seqkeras.tuning.worker SPEC WORKDIR SEARCH_DIR``.

Started by the chief (``seqkeras.tuning.cluster``) with keras-tuner's variables set;
asks the chief's oracle for trials, runs them (each one MLflow run nested under the
pipeline run named by ``SEQKERAS_TUNE_PARENT_RUN``), and exits when the oracle says
the search is over, or as soon as the chief's process is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _exit_with_the_chief(chief_pid: int, poll: float = 1.0) -> None:
    """End this process when the chief (our parent) has ended: a worker never outlives
    the search, even when the chief was killed with SIGKILL."""
    def watch():
        while True:
            time.sleep(poll)
            if os.getppid() != chief_pid:
                os._exit(3)

    threading.Thread(target=watch, name="chief-watch", daemon=True).start()


def _terminate(signum, frame):
    raise KeyboardInterrupt


def load_search(spec_path, workdir):
    """The spec, topology, preprocessor and records a trial needs (the upstream stage
    outputs in ``workdir``)."""
    from pathlib import Path

    from seqkeras.io.atomic import read_jsonl
    from seqkeras.spec import load_spec
    from seqkeras.spec.auto import resolve
    from seqkeras.stages.auto import load_facts
    from seqkeras.topologies import get_topology
    from seqkeras.tuning.hypermodel import PipelineHyperModel

    spec = load_spec(spec_path)
    workdir = Path(workdir)
    topology = get_topology(spec.topology)
    facts = load_facts(workdir / "tokenize")
    prep = topology.load_preprocessor(resolve(spec, facts)[0], workdir / "tokenize")
    return spec, PipelineHyperModel(spec, topology, prep,
                                    read_jsonl(workdir / "ingest" / "train.jsonl"),
                                    read_jsonl(workdir / "ingest" / "val.jsonl"), facts)


def run_worker(spec, hypermodel, tracker, directory) -> None:
    """Run trials from the chief named by the KERASTUNER_* variables until it stops."""
    from seqkeras.tuning.hypermodel import make_tuner

    tuner = make_tuner(spec, hypermodel, tracker, directory, overwrite=True)
    tuner.search(epochs=spec.tune.epochs, steps_per_epoch=spec.tune.steps_per_epoch, verbose=0)


def main(argv: list[str]) -> int:
    from pathlib import Path

    from seqkeras.tracking import Tracker
    from seqkeras.tuning.cluster import EXPERIMENT_ENV, PARENT_RUN_ENV

    spec_path, workdir, search_dir = argv
    chief = os.environ.get("SEQKERAS_CHIEF_PID")
    if chief:
        _exit_with_the_chief(int(chief))
    signal.signal(signal.SIGTERM, _terminate)
    tuner_id = os.environ["KERASTUNER_TUNER_ID"]
    spec, hypermodel = load_search(spec_path, workdir)
    parent = os.environ.get(PARENT_RUN_ENV)
    tracker = Tracker.attached(parent, os.environ[EXPERIMENT_ENV]) if parent \
        else Tracker(enabled=False)
    if parent:
        import mlflow

        mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    run_worker(spec, hypermodel, tracker, Path(search_dir) / "workers" / tuner_id)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
