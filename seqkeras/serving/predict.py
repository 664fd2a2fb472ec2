"""predict: run raw inputs through the newest export, as a client of the server would.

Any bytes are accepted: a command-line argument that is not valid UTF-8 reaches the
graph as the same bytes (``surrogateescape``), as it would through TF Serving's gRPC
API. Errors name the export folder and say what went wrong, in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from seqkeras.constants import EXPORT_METADATA_FILE, SERVING_SIGNATURE
from seqkeras.errors import SeqkerasError
from seqkeras.serving.versions import latest


def as_bytes(value: np.ndarray) -> np.ndarray:
    """Text arrays with every ``str`` encoded back to the bytes it came from."""
    if value.dtype.kind not in "OU":
        return value
    return np.vectorize(lambda x: x.encode("utf-8", "surrogateescape") if isinstance(x, str)
                        else x, otypes=[object])(value) if value.size else value.astype(object)


def read_metadata(version_dir: Path) -> dict:
    path = version_dir / "assets.extra" / EXPORT_METADATA_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeqkerasError(f"{path}: missing (is {version_dir} a seqkeras export?)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SeqkerasError(f"{path}: not valid JSON ({exc}); export the pipeline again") \
            from None
    if not isinstance(meta, dict) or not isinstance(meta.get("topology"), str):
        raise SeqkerasError(f"{path}: no 'topology' recorded; export the pipeline again")
    return meta


def rest_outputs(outputs: dict) -> str:
    """The signature's outputs (name -> numpy array) as one JSON line, the way TF
    Serving's REST API answers a columnar ``{"inputs": ...}`` request: ``{"outputs":
    {name: nested lists}}``, strings decoded as UTF-8 (undecodable bytes replaced)."""
    def plain(value):
        if isinstance(value, np.ndarray):
            return [plain(v) for v in value] if value.ndim else plain(value.item())
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value.item() if isinstance(value, np.generic) else value

    return json.dumps({"outputs": {k: plain(v) for k, v in sorted(outputs.items())}},
                      ensure_ascii=False)


def preflight_problem(version_dir: Path) -> str | None:
    """"file: problem" for a damaged export (``preflight``'s checks of ``saved_model.pb``,
    ``variables/`` and ``assets/``, the files check-serving reads first), else None.
    Run only when loading failed: the checks read every saved tensor once more."""
    from seqkeras.serving import preflight

    try:
        _, meta_graph = preflight.saved_model(str(version_dir))
        preflight.variables(str(version_dir), meta_graph)
        preflight.assets(str(version_dir), meta_graph)
    except preflight.ExportDamaged as exc:
        return str(exc)
    return None


def predict(model_path: str | Path, texts: list[str], as_json: bool = False) -> list[str]:
    """Lines answering ``texts`` with the newest export under ``model_path`` (or that
    version folder): the topology's human-readable lines, or with ``as_json`` one line
    of :func:`rest_outputs`. Raises SeqkerasError naming the export folder when it
    cannot be loaded or refuses the input."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tf-text ops the graph uses)

    from seqkeras.serving.guards import refusal
    from seqkeras.topologies import get_topology

    version_dir = latest(Path(model_path))
    meta = read_metadata(version_dir)
    try:
        topology = get_topology(meta["topology"])
    except KeyError:
        raise SeqkerasError(f"{version_dir}: topology {meta['topology']!r} is not known to "
                            "this seqkeras") from None
    try:
        loaded = tf.saved_model.load(str(version_dir))
        fn = loaded.signatures[SERVING_SIGNATURE]
    except Exception as exc:  # damaged files: name the file where the checks find it
        damaged = preflight_problem(version_dir)
        if damaged:
            raise SeqkerasError(f"{version_dir}: {damaged}; `seqkeras run --stage export "
                                "--force <pipeline.yaml>` writes a new version") from None
        raise SeqkerasError(f"{version_dir}: cannot be loaded ({str(exc).splitlines()[0]}); "
                            f"run `seqkeras check-serving {model_path}` for details") from None
    topology.use_export_metadata(meta.get("predict") or {})
    inputs = topology.parse_predict_inputs(fn.structured_input_signature[1], texts)
    inputs = {k: as_bytes(np.asarray(v)) for k, v in inputs.items()}
    try:
        result = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    except tf.errors.InvalidArgumentError as exc:
        raise SeqkerasError(f"{version_dir}: the model refused the input: "
                            f"{refusal(exc)}") from None
    outputs = {k: v.numpy() for k, v in result.items()}
    if as_json:
        return [rest_outputs(outputs)]
    return topology.format_prediction(inputs, outputs)
