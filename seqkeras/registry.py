"""The MLflow Model Registry: every export is a version of the pipeline's model.

The export stage registers each SavedModel it publishes as a new version of the
registered model named after the pipeline. The SavedModel is also logged as the
run's model (an MLflow 3 LoggedModel holding the SavedModel's files), so the UI links
the run, its model and the registry version, and another host can download a version
from a shared tracking server. Tags on the version say where it came from and how
good it is: run id, git commit, spec hash, data fingerprint, export path and version
(TF Serving's version number, the folder name) and the test metrics.

Promotion is by alias: ``seqkeras promote PIPELINE VERSION --alias champion`` (or
``challenger``), where VERSION is the export version TF Serving knows;
``seqkeras serve-config`` turns the aliases into TF Serving version labels
(``seqkeras.serving.config``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from seqkeras.errors import SeqkerasError
from seqkeras.tracking.names import metric_name

log = logging.getLogger("seqkeras")

#: Aliases seqkeras promotes to, and the TF Serving version label each becomes.
ALIAS_LABELS = {"champion": "stable", "challenger": "canary"}
EXPORT_VERSION_TAG, EXPORT_PATH_TAG = "export.version", "export.path"
#: Run tags copied onto each registered version.
RUN_TAGS = ("git.commit", "spec.hash", "data.fingerprint", "topology")


def version_tags(run, export_dir: Path, export_version: int, test_metrics: dict) -> dict:
    """The tags of a registered version (all strings): provenance and test metrics, each
    metric under the name MLflow logged it as (``metric_name``: a part-of-speech tag set's
    ``test_entity_f1_$`` is the tag ``test_entity_f1__u0024``; MLflow refuses ``$``)."""
    tags = {"run_id": run.info.run_id, EXPORT_PATH_TAG: str(Path(export_dir).resolve()),
            EXPORT_VERSION_TAG: str(export_version)}
    tags.update({k: run.data.tags[k] for k in RUN_TAGS if k in run.data.tags})
    tags.update({metric_name(k): f"{v:.6g}" for k, v in test_metrics.items()
                 if k.startswith("test_") and isinstance(v, (int, float))
                 and not isinstance(v, bool) and "_step_" not in k})
    return tags


def register_export(tracker, name: str, export_dir: Path, export_version: int,
                    test_metrics: dict) -> dict | None:
    """Log the SavedModel in ``export_dir`` as the run's model and register it as a new
    version of the registered model ``name``; returns {registered_model, version,
    model_id} (None when tracking is off). Raises MlflowException on store errors."""
    if not tracker.enabled or not tracker.run_id:
        return None
    import mlflow
    from mlflow.entities import LoggedModelStatus
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    tags = version_tags(client.get_run(tracker.run_id), export_dir, export_version,
                        test_metrics)
    model = mlflow.initialize_logged_model(name=name, source_run_id=tracker.run_id, tags=tags,
                                           model_type="tensorflow-saved-model",
                                           experiment_id=tracker.experiment_id)
    client.log_model_artifacts(model.model_id, str(export_dir))
    mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    try:
        client.create_registered_model(name, description=(
            f"seqkeras pipeline {name}: each version is one export (a TF Serving SavedModel)"))
    except MlflowException as exc:  # exists already (or made meanwhile by another run)
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    version = client.create_model_version(name, source=model.artifact_location,
                                          run_id=tracker.run_id, tags=tags,
                                          model_id=model.model_id)
    return {"registered_model": name, "version": int(version.version),
            "model_id": model.model_id}


def find_version(client, name: str, export_version: int):
    """The newest registered version of ``name`` made from export ``export_version``.

    Raises SeqkerasError listing the export versions registered when there is none."""
    from mlflow.exceptions import MlflowException

    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException as exc:
        raise SeqkerasError(f"the model registry cannot be read: {exc}") from None
    matching = [v for v in versions if v.tags.get(EXPORT_VERSION_TAG) == str(export_version)]
    if not matching:
        known = sorted({int(v.tags[EXPORT_VERSION_TAG]) for v in versions
                        if v.tags.get(EXPORT_VERSION_TAG, "").isdigit()})
        raise SeqkerasError(
            f"no registered version of {name!r} comes from export {export_version} "
            f"(registered exports: {', '.join(map(str, known)) or 'none'}; exports are "
            "registered when the export stage runs with tracking on, unless the registry "
            "refused it: see that run's 'was not registered' WARNING)")
    return max(matching, key=lambda v: int(v.version))


def promote(name: str, export_version: int, alias: str) -> dict:
    """Point ``alias`` (champion or challenger) of registered model ``name`` at the
    version made from export ``export_version``; returns what was set."""
    if alias not in ALIAS_LABELS:
        raise SeqkerasError(f"--alias {alias!r}: use {' or '.join(ALIAS_LABELS)}")
    from mlflow.tracking import MlflowClient

    from seqkeras.tracking import tracking_uri

    client = MlflowClient(tracking_uri())
    version = find_version(client, name, export_version)
    client.set_registered_model_alias(name, alias, version.version)
    return {"registered_model": name, "alias": alias, "version": int(version.version),
            "export_version": export_version, "label": ALIAS_LABELS[alias],
            "export_path": version.tags.get(EXPORT_PATH_TAG)}


def aliased_exports(name: str) -> dict[str, int]:
    """alias -> export version, for the aliases of registered model ``name`` that
    seqkeras uses (empty when the model has none). Raises SeqkerasError when the model
    is not registered."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    from seqkeras.tracking import tracking_uri

    client = MlflowClient(tracking_uri())
    try:
        model = client.get_registered_model(name)
    except MlflowException:
        raise SeqkerasError(f"no registered model {name!r} in {tracking_uri()} (run its "
                            "export stage with tracking on)") from None
    found = {}
    for alias, version in (model.aliases or {}).items():
        if alias in ALIAS_LABELS:
            tags = client.get_model_version(name, version).tags
            found[alias] = int(tags[EXPORT_VERSION_TAG])
    return found
