"""Look at an export's files before loading it, so that a broken one is reported by file.

The C++ loader's own messages for damaged exports say little about the cause ("Could
not find meta graph def matching supplied tags" for an empty ``saved_model.pb``; a
missing ``variables/`` folder loads, then fails at the first request with a variable
name). These checks read each file the way the server will and raise
:class:`ExportDamaged` with the file (relative to the version folder) and the problem.
Runs in the check-serving process: TensorFlow is imported, tensorflow-text is not.
"""

from __future__ import annotations

import json
import os
import re

SERVE_TAG = "serve"


class ExportDamaged(Exception):
    """A file of the export is missing or unreadable: ``str()`` is "file: problem"."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: {problem}")
        self.file, self.problem = file, problem


def _first_line(exc: BaseException) -> str:
    """The gist of an exception: first line, without TensorFlow's node and op decorations."""
    text = str(exc).strip() or type(exc).__name__
    text = re.sub(r"\{\{[^}]*\}\}\s*|\s*\[Op:[^\]]*\].*$", "", text.splitlines()[0])
    return (text.strip() or type(exc).__name__)[:300]


def saved_model(export_dir: str):
    """The parsed ``saved_model.pb`` and its meta graph tagged ``serve``."""
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(export_dir, "saved_model.pb")
    if not os.path.isfile(path):
        raise ExportDamaged("saved_model.pb", "missing: this is not a SavedModel folder "
                                              "(export the pipeline again)")
    size = os.path.getsize(path)
    if size == 0:
        raise ExportDamaged("saved_model.pb", "empty (0 bytes): the export is broken "
                                              "(export the pipeline again)")
    try:
        with open(path, "rb") as f:
            parsed = saved_model_pb2.SavedModel.FromString(f.read())
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise ExportDamaged("saved_model.pb", f"not a SavedModel protobuf ({size} bytes; "
                                              f"{_first_line(exc)})") from None
    serving = [m for m in parsed.meta_graphs if SERVE_TAG in m.meta_info_def.tags]
    if not serving:
        raise ExportDamaged("saved_model.pb", f"no meta graph tagged '{SERVE_TAG}' (the file "
                                              "is truncated or not an export for serving)")
    return parsed, serving[0]


def variables(export_dir: str, meta_graph) -> int:
    """Check ``variables/`` holds every saved tensor, readable; returns how many."""
    import tensorflow as tf

    folder = os.path.join(export_dir, "variables")
    index = os.path.join(folder, "variables.index")
    has_variables = bool(meta_graph.saver_def.filename_tensor_name) or any(
        n.WhichOneof("kind") == "variable" for n in meta_graph.object_graph_def.nodes)
    if not has_variables:
        return 0
    if not os.path.isdir(folder):
        raise ExportDamaged("variables/", "missing: the model's weights are gone (export "
                                          "the pipeline again)")
    if not os.path.isfile(index) or os.path.getsize(index) == 0:
        raise ExportDamaged("variables/variables.index", "missing or empty: the model's "
                                                         "weights cannot be found")
    try:
        reader = tf.train.load_checkpoint(os.path.join(folder, "variables"))
        names = list(reader.get_variable_to_shape_map())
        for name in names:
            reader.get_tensor(name)
    except Exception as exc:  # DataLossError, NotFoundError, OutOfRangeError...
        shards = sorted(f for f in os.listdir(folder) if f.startswith("variables.data"))
        raise ExportDamaged("variables/", f"the saved weights cannot be read (files: "
                                          f"{', '.join(shards) or 'no data shard'}): "
                                          f"{_first_line(exc)}") from None
    return len(names)


def assets(export_dir: str, meta_graph) -> None:
    """Every asset file the graph reads (vocabularies) is present."""
    for asset in meta_graph.asset_file_def:
        rel = os.path.join("assets", asset.filename)
        if not os.path.isfile(os.path.join(export_dir, rel)):
            raise ExportDamaged(rel, "missing: the graph reads it at load time")


def parity(path: str, signatures) -> dict:
    """The parity file, parsed and checked for the keys and signature it must name."""
    rel = os.path.join("assets.extra", os.path.basename(path))
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except UnicodeDecodeError as exc:
        raise ExportDamaged(rel, f"not UTF-8 text ({_first_line(exc)})") from None
    except json.JSONDecodeError as exc:
        raise ExportDamaged(rel, f"not valid JSON ({exc.msg}: line {exc.lineno}, column "
                                 f"{exc.colno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict) \
            or not isinstance(data.get("outputs"), dict) \
            or not isinstance(data.get("signature"), str):
        raise ExportDamaged(rel, "expected an object with 'signature', 'inputs' and "
                                 "'outputs'")
    if data["signature"] not in signatures:
        raise ExportDamaged(rel, f"names signature {data['signature']!r}, which the model "
                                 f"does not have ({', '.join(sorted(signatures))})")
    return data


def warmup(path: str, signatures) -> list:
    """The warmup requests, read as TF Serving reads them."""
    from seqkeras.serving.warmup import read_warmup

    rel = os.path.join("assets.extra", os.path.basename(path))
    try:
        requests = read_warmup(path)
    except Exception as exc:  # DataLossError (corrupt record), DecodeError (not a log)
        raise ExportDamaged(rel, f"unreadable ({_first_line(exc)}); TF Serving would refuse "
                                 "to load the model") from None
    for i, (signature, _) in enumerate(requests, 1):
        if signature not in signatures:
            raise ExportDamaged(rel, f"request {i} names signature {signature!r}, which the "
                                     "model does not have")
    return requests
