"""keras-tuner's chief oracle, served over gRPC from the process that holds the search.

keras-tuner's distributed mode (``KERASTUNER_TUNER_ID`` / ``KERASTUNER_ORACLE_IP`` /
``KERASTUNER_ORACLE_PORT``) has one chief that owns the oracle and answers the workers'
``CreateTrial`` / ``UpdateTrial`` / ``EndTrial`` calls, and workers that run trials. The
servicer is keras-tuner's own (``oracle_chief.OracleServicer``); the loop around it is
ours, because upstream's ``start_server`` blocks its process, polls every 20 s, and
waits forever for a trial whose worker died (keras-tuner#915). Here the oracle lives in
the pipeline's process, which can end a dead worker's trial as FAILED and forget the
worker, and sees at once when the search is over.
"""

from __future__ import annotations

from concurrent import futures

from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.engine.oracle import synchronized

from seqkeras.errors import SeqkerasError


@synchronized
def _finished(oracle) -> bool:
    return not oracle.ongoing_trials and not oracle.tuner_ids


@synchronized
def _fail_trial_of(oracle, tuner_id: str, message: str):
    trial = oracle.ongoing_trials.get(tuner_id)
    if trial is None:
        return None
    trial.status = trial_module.TrialStatus.FAILED
    trial.message = message
    oracle.end_trial(trial)
    return trial.trial_id


@synchronized
def _forget(oracle, tuner_id: str) -> None:
    oracle.tuner_ids.discard(tuner_id)


@synchronized
def _ongoing(oracle) -> dict[str, str]:
    return {tuner: trial.trial_id for tuner, trial in oracle.ongoing_trials.items()}


class OracleServer:
    """Serve ``oracle`` on ``host:port`` (port 0: a free one, see ``.port``).

    Raises SeqkerasError when the address cannot be bound."""

    def __init__(self, oracle, host: str, port: int = 0):
        import grpc
        from keras_tuner.src import protos
        from keras_tuner.src.distribute.oracle_chief import OracleServicer

        self.oracle, self.host = oracle, host
        self.servicer = OracleServicer(oracle)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        protos.get_service_grpc().add_OracleServicer_to_server(self.servicer, self.server)
        try:
            self.port = self.server.add_insecure_port(f"{host}:{int(port)}")
        except RuntimeError:
            self.port = 0
        if not self.port:
            raise SeqkerasError(f"tune: the chief oracle cannot listen on {host}:{port} "
                                "(KERASTUNER_ORACLE_IP / KERASTUNER_ORACLE_PORT: an address "
                                "of this host and a free port)")
        self.server.start()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def finished(self) -> bool:
        """Every trial handed out has ended and every worker was told to stop."""
        return self.servicer.stop_triggered and _finished(self.oracle)

    def ongoing(self) -> dict[str, str]:
        """Worker (tuner id) -> the id of the trial it runs now."""
        return _ongoing(self.oracle)

    def fail_trial_of(self, tuner_id: str, message: str) -> str | None:
        """End the trial ``tuner_id`` runs as FAILED (its worker died); its id, or None."""
        return _fail_trial_of(self.oracle, tuner_id, message)

    def forget(self, tuner_id: str) -> None:
        """Stop waiting for ``tuner_id`` to ask for more trials (it will not come back)."""
        _forget(self.oracle, tuner_id)

    def stop(self) -> None:
        self.server.stop(grace=1).wait(5)
