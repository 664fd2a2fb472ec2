"""tune: keras-tuner search over the search space declared in the YAML.

Keys of ``tune.space`` are dotted ``model.*`` / ``train.*`` spec keys; the best values
are written to ``best_hparams.json``, which the train stage applies over the spec.
Each trial is a nested MLflow run under the pipeline's run.

Three ways to run it, the same search each time:

- in this process (the default);
- ``seqkeras run ... --workers N``: this process serves keras-tuner's chief oracle on
  127.0.0.1 and N worker processes run the trials (``seqkeras.tuning``);
- on several hosts, with keras-tuner's own variables: ``KERASTUNER_TUNER_ID=chief``
  serves the oracle on ``KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT`` (plus any
  ``--workers`` of its own) and waits for the workers; ``KERASTUNER_TUNER_ID=tuner1``
  (any other id) runs trials for that chief, nesting them under the chief's MLflow run
  when both use the same tracking server.

The search lives in ``data/<pipeline>/tune-search/`` until the stage finishes, so an
interrupted search resumes: finished trials are kept and the interrupted ones rerun
(keras-tuner reloads its oracle). A search of another spec or data starts afresh.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from seqkeras.errors import SeqkerasError
from seqkeras.io.atomic import read_json, read_jsonl, write_json
from seqkeras.spec.auto import resolve
from seqkeras.stages.auto import load_facts

BEST_FILE = "best_hparams.json"
#: The running search, beside the stage outputs: ``data/<pipeline>/tune-search/``.
SEARCH_DIR = "tune-search"
#: The chief's MLflow run carries the oracle's address, so workers on other hosts find it.
ORACLE_TAG = "seqkeras.tune.oracle"
#: Trials a dead worker may cost before the search gives up counting them as failures.
_UNLIMITED_FAILURES = 10**6


def distributed_role() -> str | None:
    """None (no KERASTUNER_* variables), ``"chief"`` or this worker's tuner id."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID")
    if not tuner_id or "KERASTUNER_ORACLE_PORT" not in os.environ:
        raise SeqkerasError("KERASTUNER_ORACLE_IP is set: set KERASTUNER_ORACLE_PORT and "
                            "KERASTUNER_TUNER_ID too (chief on the oracle's host, tuner0, "
                            "tuner1, ... on the workers)")
    return "chief" if "chief" in tuner_id else tuner_id


def search_dir(ctx):
    """The search folder for this stage's fingerprint: kept from an interrupted run of
    the same search, emptied otherwise. Returns (folder, whether it resumes)."""
    folder = ctx.workdir / SEARCH_DIR
    marker = folder / "search.json"
    try:
        same = read_json(marker).get("fingerprint") == ctx.fingerprint
    except (OSError, ValueError):
        same = False
    if not same:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_json(marker, {"fingerprint": ctx.fingerprint})
    return folder, same and (folder / "keras_tuner" / "oracle.json").exists()


def run(ctx) -> dict:
    """Search ``tune.space`` (or write ``{}`` when tuning is off); the best values."""
    spec, tune = ctx.spec, ctx.spec.tune
    if not tune.enabled:
        write_json(ctx.out / BEST_FILE, {})
        ctx.log.info("tune: disabled (tune.enabled: false); training uses the spec's values")
        return {"enabled": False}
    if not tune.space:
        raise ValueError("tune.enabled is true but tune.space declares no dimension")
    from seqkeras.tuning.hypermodel import PipelineHyperModel, make_tuner

    role = distributed_role()
    workers = int(ctx.options.get("tune_workers") or 0)
    if role not in (None, "chief"):
        return _run_remote_worker(ctx, role)
    folder, resumed = search_dir(ctx)
    topology = ctx.topology
    facts = load_facts(ctx.input("tokenize"))
    prep = topology.load_preprocessor(resolve(spec, facts)[0], ctx.input("tokenize"))
    ingest = ctx.input("ingest")
    hypermodel = PipelineHyperModel(spec, topology, prep, read_jsonl(ingest / "train.jsonl"),
                                    read_jsonl(ingest / "val.jsonl"), facts)
    distributed = role == "chief" or workers > 0
    # in one process a failing trial is a bug or a bad search space: stop at once; with
    # workers a dead worker's trial is FAILED too, and the workers' own failures stop
    # the search (seqkeras.tuning.cluster)
    failures = _UNLIMITED_FAILURES if distributed else 1
    try:
        tuner = make_tuner(spec, hypermodel, ctx.tracker, folder, max_failed_trials=failures)
    except (ValueError, KeyError, RuntimeError, OSError) as exc:
        if not resumed:
            raise
        ctx.log.warning("WARNING: tune: the interrupted search in %s could not be reloaded "
                        "(%s: %s); starting it afresh", folder, type(exc).__name__, exc)
        tuner = make_tuner(spec, hypermodel, ctx.tracker, folder, max_failed_trials=failures,
                           overwrite=True)
        resumed = False
    tuner.oracle.verbose = 0
    tuner.save()  # from now on an interrupted search resumes
    kept = _finished_trials(tuner.oracle)
    _supersede_unrecorded_trials(ctx, folder, kept if resumed else None)
    ctx.log.info("tune: %s search, %s, objective %s%s", tune.algorithm,
                 f"{tune.max_trials} trials" if tune.algorithm != "hyperband"
                 else "hyperband brackets", tune.objective,
                 f"; resuming an interrupted search ({len(kept)} finished trial(s) kept)"
                 if resumed else "")
    cluster = None
    if distributed:
        cluster = _serve_and_wait(ctx, tuner.oracle, folder, role, workers)
    else:
        tuner.search(epochs=tune.epochs, steps_per_epoch=tune.steps_per_epoch, verbose=0)
    summary = _write_results(ctx, tuner.oracle)
    summary.update(resumed_trials=len(kept) if resumed else 0)
    if cluster is not None:
        summary.update(workers=cluster.workers, crashed_workers=cluster.crashed,
                       worker_restarts=cluster.restarts,
                       trials_by_worker=cluster.trials_by_worker)
    ctx.tracker.set_tags({"tune.resumed_trials": summary["resumed_trials"],
                          "tune.workers": workers if distributed else 0})
    shutil.rmtree(folder, ignore_errors=True)  # checkpoints of every trial
    return summary


def _supersede_unrecorded_trials(ctx, folder: Path, kept: list[str] | None) -> None:
    """Remember which pipeline runs worked on the search in ``folder``; on a resume
    (``kept``: the trials its oracle recorded as ended) close the earlier runs' trial
    runs the oracle never recorded as KILLED, since those trials run again."""
    parents_file = folder / "mlflow_parents.json"
    try:
        parents = read_json(parents_file).get("runs", [])
    except (OSError, ValueError):
        parents = []
    tracker = ctx.tracker
    if kept is not None and tracker.enabled and tracker.experiment_id and parents:
        from seqkeras.tracking.trials import close_unrecorded_trials

        closed = close_unrecorded_trials(
            tracker.experiment_id, parents, kept,
            "superseded: the search was interrupted before its oracle recorded this "
            "trial, so the resumed search ran the trial again")
        if closed:
            ctx.log.info("tune: %d trial run(s) the interrupted search never recorded "
                         "marked KILLED (their trials run again)", len(closed))
    parent = tracker.trial_parent or tracker.run_id
    if parent and parent not in parents:
        write_json(parents_file, {"runs": parents + [parent]})


def _finished_trials(oracle) -> list[str]:
    return [t.trial_id for t in oracle.trials.values()
            if t.status in ("COMPLETED", "FAILED")]


def _serve_and_wait(ctx, oracle, folder, role, workers: int):
    """Serve the oracle, start ``workers`` local workers, wait for the search to end."""
    from seqkeras.tracking import tracking_uri
    from seqkeras.tuning.cluster import EXPERIMENT_ENV, PARENT_RUN_ENV, LocalWorkers
    from seqkeras.tuning.oracle_server import OracleServer

    if role == "chief":
        host, port = os.environ["KERASTUNER_ORACLE_IP"], int(os.environ["KERASTUNER_ORACLE_PORT"])
    else:
        host, port = "127.0.0.1", 0
    server = OracleServer(oracle, host, port)
    ctx.log.info("tune: chief oracle on %s, %d local worker(s)%s", server.address, workers,
                 "; waiting for workers on other hosts (KERASTUNER_TUNER_ID=tuner0, ...)"
                 if role == "chief" else "")
    ctx.tracker.set_tags({ORACLE_TAG: server.address, "seqkeras.tune.role": "chief"})
    env = {"SEQKERAS_DATA_ROOT": os.environ.get("SEQKERAS_DATA_ROOT", "")}
    if ctx.tracker.enabled and ctx.tracker.trial_parent:
        env.update({PARENT_RUN_ENV: ctx.tracker.trial_parent,
                    EXPERIMENT_ENV: ctx.tracker.experiment_id,
                    "MLFLOW_TRACKING_URI": tracking_uri()})
    if not env["SEQKERAS_DATA_ROOT"]:
        del env["SEQKERAS_DATA_ROOT"]
    try:
        cluster = LocalWorkers(server, workers, [str(ctx.spec_path), str(ctx.workdir),
                                                 str(folder)], env, folder / "logs",
                               tracking_experiment=ctx.tracker.experiment_id
                               if ctx.tracker.enabled else None)
        return cluster.wait(remote=role == "chief")
    finally:
        server.stop()


def _run_remote_worker(ctx, tuner_id: str) -> dict:
    """This host runs trials for a chief elsewhere; the best values come from it."""
    from seqkeras.tuning.worker import load_search, run_worker

    spec, hypermodel = load_search(ctx.spec_path, ctx.workdir)
    address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
    chief_run = _find_chief_run(ctx, address)
    if chief_run:
        ctx.tracker.trial_parent = chief_run
    ctx.log.info("tune: worker %s of the chief at %s (trials nest under MLflow run %s)",
                 tuner_id, address, ctx.tracker.trial_parent)
    ctx.tracker.set_tags({"seqkeras.tune.role": f"worker {tuner_id} of {address}"})
    folder = ctx.workdir / SEARCH_DIR / "workers" / tuner_id
    run_worker(spec, hypermodel, ctx.tracker, folder)
    shutil.rmtree(ctx.workdir / SEARCH_DIR, ignore_errors=True)
    return _write_results(ctx, _best_from_chief(address), worker=tuner_id)


def _find_chief_run(ctx, address: str) -> str | None:
    """The RUNNING pipeline run of the chief serving ``address`` (shared server only)."""
    if not ctx.tracker.enabled or not ctx.tracker.experiment_id:
        return None
    from mlflow.tracking import MlflowClient

    runs = MlflowClient().search_runs(
        [ctx.tracker.experiment_id],
        f"attributes.status = 'RUNNING' and tags.`{ORACLE_TAG}` = '{address}'",
        order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0].info.run_id if runs else None


class _ChiefTrials:
    """The best trials, asked of the chief over gRPC (a worker host's view)."""

    def __init__(self, trials):
        self.trials = {t.trial_id: t for t in trials}

    def get_best_trials(self, num_trials=1):
        return list(self.trials.values())[:num_trials]


def _best_from_chief(address: str, timeout: float = 30.0) -> _ChiefTrials:
    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.engine import trial as trial_module

    stub = protos.get_service_grpc().OracleStub(grpc.insecure_channel(address))
    try:
        response = stub.GetBestTrials(protos.get_service().GetBestTrialsRequest(
            num_trials=10**6), timeout=timeout)
    except grpc.RpcError as exc:
        raise SeqkerasError(f"tune: this worker's trials are done, but the chief at {address} "
                            f"closed before it could tell the best values ({exc.code().name}); "
                            "they are in the chief host's tune output") from None
    return _ChiefTrials([trial_module.Trial.from_proto(t) for t in response.trials])


def _write_results(ctx, oracle, worker: str | None = None) -> dict:
    spec, tune = ctx.spec, ctx.spec.tune
    trials = [{"trial": t.trial_id, "score": t.score, "status": t.status,
               "hyperparameters": t.hyperparameters.values}
              for t in oracle.get_best_trials(num_trials=len(oracle.trials))]
    done = [t for t in trials if t["status"] == "COMPLETED"]
    if not done:
        raise SeqkerasError(f"tune: no trial finished ({len(trials)} failed); see the "
                            "trials' MLflow runs and the log above")
    best = {k: done[0]["hyperparameters"][k] for k in spec.tune.space}
    write_json(ctx.out / BEST_FILE, best)
    write_json(ctx.out / "trials.json", trials)
    ctx.log.info("tune: best %s (%s %s); %d trial(s) completed, %d failed", best,
                 tune.objective, done[0]["score"], len(done), len(trials) - len(done))
    ctx.tracker.set_tags({f"tuned.{k}": v for k, v in best.items()})
    ctx.tracker.log_metrics({f"tune_best_{tune.objective}": done[0]["score"],
                             "tune_trials_completed": len(done),
                             "tune_trials_failed": len(trials) - len(done)})
    ctx.tracker.log_artifact(ctx.out / "trials.json", "tune")
    summary = {"enabled": True, "best": best, "trials": len(trials), "completed": len(done)}
    if worker:
        summary["worker"] = worker
    return summary
