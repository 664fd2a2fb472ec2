"""export: a versioned SavedModel that answers raw inputs, ready for TF Serving.

The graph holds the preprocessing (tokenization, lookups) so clients send raw text.
It is written to a temporary non-integer folder beside the versions and renamed into
place, so TF Serving (which polls for integer folders) never sees a partial export.
Beside it go warmup requests and parity examples: inputs with the outputs the trained
Keras model gave for them, which ``seqkeras check-serving`` compares against.

Every endpoint is wrapped with run-time checks of its input signature (rank, fixed
dimensions, batch size, finite numbers; ``seqkeras.serving.guards``). A model with
non-finite weights or parity outputs is refused. The version number is chosen and the
folder renamed into place under a lock in the model's base folder, so concurrent
exports never collide; temporary folders of killed exports are removed. A relative
``export.base_dir`` must stay inside the project (the working directory).
"""

from __future__ import annotations

import json
import shutil
import time

import keras
import tensorflow as tf

import seqkeras
from seqkeras.constants import EXPORT_METADATA_FILE, PARITY_FILE, SERVING_SIGNATURE, WARMUP_FILE
from seqkeras.errors import ModelError
from seqkeras.io.atomic import (read_json, read_jsonl, remove_stale, rename_new, temp_name,
                                write_json)
from seqkeras.io.locks import waiting
from seqkeras.io.paths import project_dir
from seqkeras.serving.guards import guard_endpoint, nonfinite_outputs
from seqkeras.serving.versions import versions
from seqkeras.serving.warmup import to_jsonable, write_warmup
from seqkeras.stages.auto import resolved_spec
from seqkeras.stages.train import METRICS_FILE, MODEL_FILE, check_finite_weights
from seqkeras.stages.tune import BEST_FILE
from seqkeras.tracking import git_commit


def build_archive(spec, topology, prep, model):
    """An ExportArchive with every endpoint of the topology; returns (archive, endpoints)."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    for resource in topology.trackables(prep):
        archive.track(resource)
    endpoints = {name: (guard_endpoint(name, fn, signature), signature)
                 for name, (fn, signature) in topology.serving_endpoints(spec, prep, model).items()}
    for name, (fn, signature) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=signature)
    return archive, endpoints


def version_lock(base):
    """Held while a version number is chosen and its folder renamed into place; it lies
    beside the model's folder (``models/.<pipeline>.lock``), so the folder TF Serving
    watches holds versions only."""
    return base.parent / f".{base.name}.lock"


def publish(tmp, base, metadata: dict):
    """Rename the finished export ``tmp`` to the next free version of ``base`` (its
    ``metadata`` written with that version first); returns (version, folder). Under a
    lock, and the rename never replaces an existing version."""
    with waiting(version_lock(base), f"choosing a version in {base}", timeout=120):
        version = (versions(base) or [0])[-1] + 1
        while True:
            write_json(tmp / "assets.extra" / EXPORT_METADATA_FILE, dict(metadata, version=version))
            final = base / str(version)
            if rename_new(tmp, final):  # TF Serving sees the version complete or not at all
                return version, final
            version += 1


def eager_outputs(fn, inputs: dict) -> dict:
    """Run an endpoint eagerly (the Keras model itself, not the SavedModel)."""
    result = fn(*[tf.constant(v) for v in inputs.values()])
    return {k: v.numpy() for k, v in result.items()}


def run(ctx) -> dict:
    topology = ctx.topology
    tuned = read_json(ctx.input("tune") / BEST_FILE)
    spec = ctx.spec.with_overrides(tuned) if tuned else ctx.spec
    spec, _ = resolved_spec(spec, ctx.input("tokenize"))
    prep = topology.load_preprocessor(spec, ctx.input("tokenize"))
    base = project_dir(spec.export.base_dir, "export.base_dir") / spec.name
    model = keras.models.load_model(ctx.input("train") / MODEL_FILE)
    check_finite_weights(model, "export")
    ingest = ctx.input("ingest")
    examples = (read_jsonl(ingest / "test.jsonl") or read_jsonl(ingest / "val.jsonl")
                or read_jsonl(ingest / "train.jsonl"))  # empty held-out splits: see ingest

    base.mkdir(parents=True, exist_ok=True)
    removed = remove_stale(base)
    if removed:
        ctx.log.info("export: removed temporary folders of killed exports: %s", ", ".join(removed))
    tmp = base / temp_name(None)
    try:
        archive, endpoints = build_archive(spec, topology, prep, model)
        archive.write_out(str(tmp), verbose=False)
        extra = tmp / "assets.extra"
        extra.mkdir(exist_ok=True)
        warm_inputs = topology.example_inputs(examples, spec.export.warmup_examples)
        write_warmup(extra / WARMUP_FILE, spec.name, warm_inputs)

        parity_inputs = topology.example_inputs(examples, spec.export.parity_examples)
        parity_outputs = eager_outputs(endpoints[SERVING_SIGNATURE][0], parity_inputs)
        broken = nonfinite_outputs(parity_outputs)
        if broken:
            raise ModelError(f"export: the model answers the test examples with non-finite "
                             f"numbers ({'; '.join(broken)}); it was not exported")
        (extra / PARITY_FILE).write_text(json.dumps({
            "signature": SERVING_SIGNATURE,
            "inputs": {k: to_jsonable(v) for k, v in parity_inputs.items()},
            "outputs": {k: to_jsonable(v) for k, v in parity_outputs.items()},
        }))
        metrics_path = ctx.input("train") / METRICS_FILE
        metadata = {
            "pipeline": spec.name, "topology": spec.topology,
            "signatures": list(endpoints), "spec_hash": spec.section_hash(
                "data", "tokenize", "model", "train", "export"),
            "seqkeras_version": seqkeras.__version__, "git_commit": git_commit(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "test_metrics": read_json(metrics_path) if metrics_path.exists() else {},
            "predict": topology.export_metadata(spec, prep),
        }
        version, final = publish(tmp, base, metadata)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    size = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    summary = {"version": version, "path": str(final.resolve()), "bytes": size,
               "signatures": list(endpoints)}
    write_json(ctx.out / "export.json", summary)
    ctx.tracker.set_tags({"export.path": summary["path"], "export.version": version})
    ctx.tracker.log_metrics({"export_megabytes": size / 1e6})
    summary.update(_register(ctx, spec.name, final, version, metadata["test_metrics"]))
    ctx.log.info("export: %s (version %d, %.1f MB, signatures: %s)", final, version, size / 1e6,
                 ", ".join(endpoints))
    return summary


def _register(ctx, name, final, version: int, test_metrics: dict) -> dict:
    """Register the export in MLflow's Model Registry; a registry that fails is a
    WARNING (the export itself is done and servable)."""
    from seqkeras.registry import register_export

    try:
        registered = register_export(ctx.tracker, name, final, version, test_metrics)
    except Exception as exc:  # the store, not the model: never undo a good export
        ctx.log.warning("WARNING: export: version %d was not registered in MLflow's Model "
                        "Registry: %s", version, str(exc).splitlines()[0][:300])
        return {}
    if not registered:
        return {}
    ctx.log.info("export: registered as version %d of model %r in MLflow's Model Registry "
                 "(promote it: seqkeras promote %s %d --alias champion)",
                 registered["version"], name, name, version)
    return {"registry_version": registered["version"], "model_id": registered["model_id"]}
