"""Tuner worker processes on this machine, started and watched by the chief.

Each worker is ``python -m seqkeras.tuning.worker`` with keras-tuner's variables
(``KERASTUNER_TUNER_ID=tunerK``, the chief's address) and the MLflow run its trials
nest under. A worker that dies (killed, out of memory) loses only the trial it was
running: the chief ends that trial as FAILED, marks its MLflow run KILLED, and starts
one replacement for it. A trial that fails inside a worker (a Python error) is a bug
or a bad search space: the search stops at once with its message, as it does in one
process. Workers exit by themselves when the oracle says the search is over, and when
the chief's process ends (they watch it), so no process outlives the search.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from keras_tuner.src.engine import trial as trial_module

from seqkeras.errors import SeqkerasError

log = logging.getLogger("seqkeras")

#: Environment of a worker: which pipeline run its trials nest under.
PARENT_RUN_ENV, EXPERIMENT_ENV = "SEQKERAS_TUNE_PARENT_RUN", "SEQKERAS_TUNE_EXPERIMENT"
CRASH_PREFIX = "seqkeras: worker"


@dataclass
class Worker:
    tuner_id: str
    proc: subprocess.Popen
    log_path: Path
    restarts: int = 0


@dataclass
class ClusterReport:
    workers: int
    crashed: list[dict] = field(default_factory=list)
    restarts: int = 0
    trials_by_worker: dict[str, list[str]] = field(default_factory=dict)


class LocalWorkers:
    """``count`` worker processes for the oracle served by ``server``.

    ``argv``: the worker command after ``python -m seqkeras.tuning.worker``; ``env``:
    extra environment (MLflow parent run, data root); logs go to ``log_dir``."""

    def __init__(self, server, count: int, argv: list[str], env: dict, log_dir: Path,
                 tracking_experiment: str | None = None, max_restarts_per_worker: int = 1):
        self.server, self.argv, self.env = server, argv, env
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.experiment = tracking_experiment
        self.max_restarts = max_restarts_per_worker
        self.report = ClusterReport(workers=count)
        self.workers = [self._start(f"tuner{i}") for i in range(count)]

    def _start(self, tuner_id: str, restarts: int = 0) -> Worker:
        env = dict(os.environ, **self.env, KERASTUNER_TUNER_ID=tuner_id,
                   KERASTUNER_ORACLE_IP=self.server.host if self.server.host not in (
                       "0.0.0.0", "::", "[::]") else "127.0.0.1",
                   KERASTUNER_ORACLE_PORT=str(self.server.port),
                   SEQKERAS_CHIEF_PID=str(os.getpid()))
        path = self.log_dir / f"{tuner_id}.log"
        with open(path, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "seqkeras.tuning.worker", *self.argv],
                                    env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        log.info("tune: worker %s started (pid %d, log %s)", tuner_id, proc.pid, path)
        return Worker(tuner_id, proc, path, restarts)

    def _record_ongoing(self) -> None:
        for tuner_id, trial_id in self.server.ongoing().items():
            seen = self.report.trials_by_worker.setdefault(tuner_id, [])
            if trial_id not in seen:
                seen.append(trial_id)

    def _crashed(self, worker: Worker, code: int) -> Worker | None:
        how = f"signal {-code}" if code < 0 else f"exit status {code}"
        message = (f"{CRASH_PREFIX} {worker.tuner_id} (pid {worker.proc.pid}) died ({how}) "
                   "while running this trial")
        trial_id = self.server.fail_trial_of(worker.tuner_id, message)
        if self.experiment is not None:
            from seqkeras.tracking import close_process_runs

            close_process_runs(self.experiment, worker.proc.pid, message)
        self.report.crashed.append({"worker": worker.tuner_id, "pid": worker.proc.pid,
                                    "how": how, "trial": trial_id})
        tail = worker.log_path.read_text(errors="replace").strip().splitlines()[-3:]
        log.warning("tune: worker %s died (%s); trial %s ended as FAILED%s", worker.tuner_id,
                    how, trial_id, "; last lines: " + " | ".join(tail) if tail else "")
        if worker.restarts >= self.max_restarts:
            self.server.forget(worker.tuner_id)
            return None
        self.report.restarts += 1
        return self._start(worker.tuner_id, worker.restarts + 1)

    def _trial_error(self) -> str | None:
        """The message of a trial a worker reported FAILED (an error, not a crash)."""
        for trial in list(self.server.oracle.trials.values()):
            if trial.status == trial_module.TrialStatus.FAILED and not str(
                    trial.message or "").startswith(CRASH_PREFIX):
                return f"trial {trial.trial_id} failed: " + \
                    str(trial.message or "").strip().splitlines()[-1][:500]
        return None

    def wait(self, remote: bool = False, poll: float = 0.5) -> ClusterReport:
        """Watch the workers until the search is over (``remote``: also until every
        worker on other hosts was told to stop). Raises SeqkerasError when a trial
        fails inside a worker, or when every worker died."""
        try:
            while True:
                self._record_ongoing()
                error = self._trial_error()
                if error:
                    raise SeqkerasError(f"tune: {error} (see {self.log_dir})")
                alive = []
                for worker in self.workers:
                    code = worker.proc.poll()
                    if code is None:
                        alive.append(worker)
                    elif code != 0:
                        replacement = self._crashed(worker, code)
                        if replacement is not None:
                            alive.append(replacement)
                self.workers = alive
                if not alive:
                    over = self.server.servicer.stop_triggered
                    if over and (not remote or self.server.finished()):
                        return self.report
                    if not remote:
                        raise SeqkerasError(f"tune: every worker died before the search "
                                            f"ended (logs in {self.log_dir})")
                time.sleep(poll)
        finally:
            self.stop()

    def stop(self, grace: float = 10.0) -> None:
        """End every worker still running: SIGTERM, then SIGKILL after ``grace`` s."""
        for worker in self.workers:
            if worker.proc.poll() is None:
                worker.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for worker in self.workers:
            try:
                worker.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
