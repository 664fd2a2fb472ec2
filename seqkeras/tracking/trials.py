"""Closing the MLflow runs of tuner trials a resumed search supersedes.

Kept apart from the Tracker (``seqkeras.tracking``): only the tune stage calls it, when
it resumes a search whose chief died.
"""

from __future__ import annotations


def close_unrecorded_trials(experiment_id: str, parent_run_ids: list[str],
                            recorded: list[str], reason: str) -> list[str]:
    """Mark KILLED the trial runs nested under ``parent_run_ids`` whose trial id
    (tag ``seqkeras.trial``) is not in ``recorded``: a worker ended such a trial's run
    FINISHED, but the chief died before its oracle recorded the result, so the resumed
    search runs that trial again and this run is superseded. Returns their ids."""
    from mlflow.tracking import MlflowClient

    if not parent_run_ids:
        return []
    client = MlflowClient()
    runs = [r for parent in parent_run_ids  # MLflow's search has no IN for tags
            for r in client.search_runs([experiment_id],
                                        f"tags.`mlflow.parentRunId` = '{parent}'",
                                        max_results=10_000)]
    closed = [r.info.run_id for r in runs
              if r.data.tags.get("seqkeras.trial") is not None
              and r.data.tags["seqkeras.trial"] not in recorded
              and r.info.status in ("FINISHED", "RUNNING")]
    for run_id in closed:
        client.set_tag(run_id, "seqkeras.closed", reason)
        client.set_terminated(run_id, status="KILLED")
    return closed
