"""Load and run a SavedModel through TensorFlow's C API, the way TF Serving does.

TF Serving calls the C++ ``LoadSavedModel``; ``TF_LoadSessionFromSavedModel`` in
``libtensorflow_cc.so.2`` (shipped inside the tensorflow wheel) is that same loader.
This module must run in a process that has not imported ``tensorflow_text``: only the
tensorflow-text op libraries that TF Serving links are loaded (``SERVING_TEXT_OPS``),
so a graph using any other op fails here exactly as it would fail in the server.

Run as ``python -m seqkeras.serving.capi VERSION_DIR``; prints a JSON report.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time

import numpy as np

#: tensorflow-text op libraries linked into TF Serving 2.20
#: (tensorflow_serving/model_servers/BUILD, SUPPORTED_TENSORFLOW_OPS, via DESIGN.md).
SERVING_TEXT_OPS = (
    "_boise_offset_converter.so", "_byte_splitter.so", "_constrained_sequence_op.so",
    "_fast_bert_normalizer.so", "_fast_sentencepiece_tokenizer.so",
    "_fast_wordpiece_tokenizer.so", "_mst_ops.so", "_ngrams_op.so", "_normalize_ops.so",
    "_phrase_tokenizer.so", "_regex_split_ops.so", "_sentence_breaking_ops.so",
    "_sentencepiece_tokenizer.so", "_split_merge_tokenizer.so",
    "_state_based_sentence_breaker_op.so", "_trimmer_ops.so", "_unicode_script_tokenizer.so",
    "_utf8_binarize_op.so", "_whitespace_tokenizer.so", "_whitespace_tokenizer_v2.so",
    "_wordpiece_tokenizer.so",
)

TF_STRING = 7
TSTRING_SIZE = 24  # sizeof(TF_TString)
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
           9: np.int64, 10: np.bool_, 19: np.float16}
_ENUMS = {np.dtype(v): k for k, v in _DTYPES.items()}

vp = ctypes.c_void_p


class TF_Output(ctypes.Structure):
    _fields_ = [("oper", vp), ("index", ctypes.c_int)]


class TF_Buffer(ctypes.Structure):
    _fields_ = [("data", vp), ("length", ctypes.c_size_t), ("dealloc", vp)]


_SIGNATURES = [
    ("TF_NewStatus", vp, []), ("TF_DeleteStatus", None, [vp]),
    ("TF_GetCode", ctypes.c_int, [vp]), ("TF_Message", ctypes.c_char_p, [vp]),
    ("TF_LoadLibrary", vp, [ctypes.c_char_p, vp]),
    ("TF_GetOpList", TF_Buffer, [vp]), ("TF_GetAllOpList", ctypes.POINTER(TF_Buffer), []),
    ("TF_NewGraph", vp, []), ("TF_NewSessionOptions", vp, []), ("TF_NewBuffer", vp, []),
    ("TF_LoadSessionFromSavedModel", vp,
     [vp, vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, vp, vp, vp]),
    ("TF_GraphOperationByName", vp, [vp, ctypes.c_char_p]),
    ("TF_AllocateTensor", vp, [ctypes.c_int, ctypes.POINTER(ctypes.c_int64), ctypes.c_int,
                               ctypes.c_size_t]),
    ("TF_DeleteTensor", None, [vp]),
    ("TF_TensorData", vp, [vp]), ("TF_NumDims", ctypes.c_int, [vp]),
    ("TF_Dim", ctypes.c_int64, [vp, ctypes.c_int]), ("TF_TensorType", ctypes.c_int, [vp]),
    ("TF_TensorByteSize", ctypes.c_size_t, [vp]),
    ("TF_StringInit", None, [vp]), ("TF_StringCopy", None, [vp, ctypes.c_char_p, ctypes.c_size_t]),
    ("TF_StringGetDataPointer", vp, [vp]), ("TF_StringGetSize", ctypes.c_size_t, [vp]),
    ("TF_SessionRun", None, [vp, vp, vp, vp, ctypes.c_int, vp, vp, ctypes.c_int, vp,
                             ctypes.c_int, vp, vp]),
]


#: TF_Code of a request the graph refuses (TF Serving answers it with HTTP 400).
INVALID_ARGUMENT = 3


class CApiError(RuntimeError):
    """A failed C API call; ``code`` is its TF_Code (3: INVALID_ARGUMENT)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class CApi:
    """ctypes bindings to the handful of C API calls a model server needs."""

    def __init__(self):
        import tensorflow as tf  # the wheel's libraries; tensorflow_text stays unimported

        self.tf_dir = os.path.dirname(tf.__file__)
        self.lib = ctypes.CDLL(os.path.join(self.tf_dir, "libtensorflow_cc.so.2"),
                               mode=ctypes.RTLD_GLOBAL)
        for name, restype, argtypes in _SIGNATURES:
            fn = getattr(self.lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        self.status = self.lib.TF_NewStatus()

    def check(self, what: str):
        code = self.lib.TF_GetCode(self.status)
        if code != 0:
            raise CApiError(code, f"{what}: {self.lib.TF_Message(self.status).decode()}")

    def registered_ops(self) -> set[str]:
        from tensorflow.core.framework import op_def_pb2

        buf = self.lib.TF_GetAllOpList().contents
        ops = op_def_pb2.OpList.FromString(ctypes.string_at(buf.data, buf.length))
        return {op.name for op in ops.op}

    def load_text_ops(self) -> set[str]:
        """Load TF Serving's tensorflow-text op libraries; return the op names they add."""
        from tensorflow.core.framework import op_def_pb2

        ops_dir = os.path.join(os.path.dirname(self.tf_dir), "tensorflow_text", "python", "ops")
        names: set[str] = set()
        for so in SERVING_TEXT_OPS:
            path = os.path.join(ops_dir, so)
            if not os.path.exists(path):
                continue
            handle = self.lib.TF_LoadLibrary(path.encode(), self.status)
            self.check(f"loading {so}")
            buf = self.lib.TF_GetOpList(handle)
            names |= {op.name for op in op_def_pb2.OpList.FromString(
                ctypes.string_at(buf.data, buf.length)).op}
        return names

    def load(self, export_dir: str, tags=("serve",)):
        graph = self.lib.TF_NewGraph()
        meta = self.lib.TF_NewBuffer()
        ctags = (ctypes.c_char_p * len(tags))(*[t.encode() for t in tags])
        session = self.lib.TF_LoadSessionFromSavedModel(
            self.lib.TF_NewSessionOptions(), None, export_dir.encode(), ctags, len(tags),
            graph, meta, self.status)
        self.check(f"TF_LoadSessionFromSavedModel({export_dir})")
        from tensorflow.core.protobuf import meta_graph_pb2

        b = ctypes.cast(meta, ctypes.POINTER(TF_Buffer)).contents
        meta_graph = meta_graph_pb2.MetaGraphDef.FromString(ctypes.string_at(b.data, b.length))
        return LoadedModel(self, graph, session, meta_graph)

    # -- tensors
    def to_tensor(self, value) -> int:
        arr = np.asarray(value)
        dims = (ctypes.c_int64 * arr.ndim)(*arr.shape)
        if arr.dtype.kind in "OSU":
            flat = [x.encode() if isinstance(x, str) else bytes(x) for x in arr.reshape(-1)]
            t = self.lib.TF_AllocateTensor(TF_STRING, dims, arr.ndim, TSTRING_SIZE * len(flat))
            base = self.lib.TF_TensorData(t)
            for i, s in enumerate(flat):
                self.lib.TF_StringInit(base + TSTRING_SIZE * i)
                self.lib.TF_StringCopy(base + TSTRING_SIZE * i, s, len(s))
            return t
        arr = np.ascontiguousarray(arr)
        t = self.lib.TF_AllocateTensor(_ENUMS[arr.dtype], dims, arr.ndim, arr.nbytes)
        ctypes.memmove(self.lib.TF_TensorData(t), arr.ctypes.data, arr.nbytes)
        return t

    def from_tensor(self, t) -> np.ndarray:
        lib = self.lib
        shape = tuple(lib.TF_Dim(t, i) for i in range(lib.TF_NumDims(t)))
        dtype = lib.TF_TensorType(t)
        if dtype == TF_STRING:
            base, n = lib.TF_TensorData(t), int(np.prod(shape, dtype=np.int64))
            items = [ctypes.string_at(lib.TF_StringGetDataPointer(base + TSTRING_SIZE * i),
                                      lib.TF_StringGetSize(base + TSTRING_SIZE * i))
                     for i in range(n)]
            out = np.array(items, dtype=object).reshape(shape)
        else:
            raw = ctypes.string_at(lib.TF_TensorData(t), lib.TF_TensorByteSize(t))
            out = np.frombuffer(raw, dtype=_DTYPES[dtype]).reshape(shape).copy()
        lib.TF_DeleteTensor(t)
        return out


class LoadedModel:
    def __init__(self, api: CApi, graph, session, meta_graph):
        self.api, self.graph, self.session, self.meta_graph = api, graph, session, meta_graph

    @property
    def signatures(self):
        return self.meta_graph.signature_def

    def _output(self, tensor_name: str) -> TF_Output:
        op, _, index = tensor_name.partition(":")
        handle = self.api.lib.TF_GraphOperationByName(self.graph, op.encode())
        if not handle:
            raise RuntimeError(f"tensor {tensor_name} not found in the loaded graph")
        return TF_Output(handle, int(index or 0))

    def run(self, signature: str, inputs: dict) -> dict:
        sig = self.signatures[signature]
        missing = set(sig.inputs) - set(inputs)
        if missing:
            raise RuntimeError(f"signature {signature!r} needs inputs {sorted(missing)}")
        names = list(sig.inputs)
        feeds = (TF_Output * len(names))(*[self._output(sig.inputs[n].name) for n in names])
        values = (vp * len(names))(*[self.api.to_tensor(inputs[n]) for n in names])
        keys = list(sig.outputs)
        fetches = (TF_Output * len(keys))(*[self._output(sig.outputs[k].name) for k in keys])
        results = (vp * len(keys))()
        self.api.lib.TF_SessionRun(self.session, None, feeds, values, len(names), fetches,
                                   results, len(keys), None, 0, None, self.api.status)
        for v in values:
            self.api.lib.TF_DeleteTensor(v)
        self.api.check(f"TF_SessionRun({signature})")
        return {k: self.api.from_tensor(v) for k, v in zip(keys, results)}


def graph_ops(saved) -> set[str]:
    """Every op type in a SavedModel's graph and function library (``saved``: the export
    folder, or its parsed ``SavedModel`` proto)."""
    if isinstance(saved, (str, os.PathLike)):
        from tensorflow.core.protobuf import saved_model_pb2

        with open(os.path.join(saved, "saved_model.pb"), "rb") as f:
            saved = saved_model_pb2.SavedModel.FromString(f.read())
    ops = set()
    for meta in saved.meta_graphs:
        ops |= {n.op for n in meta.graph_def.node}
        for fn in meta.graph_def.library.function:
            ops |= {n.op for n in fn.node_def}
    return ops


def _jsonable(outputs: dict) -> dict:
    from seqkeras.serving.warmup import to_jsonable

    return {k: to_jsonable(v) for k, v in outputs.items()}


def _run(model, signature: str, inputs: dict, what: str) -> dict:
    """Run one request; an error names what was being run (file and request)."""
    from seqkeras.serving.guards import nonfinite_outputs
    from seqkeras.serving.preflight import ExportDamaged

    try:
        outputs = model.run(signature, inputs)
    except RuntimeError as exc:
        raise ExportDamaged(what, f"the request failed: {str(exc).splitlines()[0][:400]}") \
            from None
    broken = nonfinite_outputs(outputs)
    if broken:
        raise ExportDamaged(what, "the model answers with non-finite numbers ("
                                  + "; ".join(broken) + "): it is broken (NaN weights?)")
    return outputs


def check(export_dir: str) -> dict:
    """File checks, op allowlist, C++ load, warmup replay and parity run; a JSON-able
    report. Raises ``preflight.ExportDamaged`` ("file: problem") for a broken export."""
    from seqkeras.constants import PARITY_FILE, WARMUP_FILE
    from seqkeras.serving import preflight
    from seqkeras.serving.preflight import ExportDamaged

    report: dict = {"export_dir": export_dir, "ok": False}
    saved, meta_graph = preflight.saved_model(export_dir)
    report["variables"] = preflight.variables(export_dir, meta_graph)
    preflight.assets(export_dir, meta_graph)
    signatures = set(meta_graph.signature_def)
    warmup = os.path.join(export_dir, "assets.extra", WARMUP_FILE)
    requests = preflight.warmup(warmup, signatures) if os.path.exists(warmup) else []
    parity_path = os.path.join(export_dir, "assets.extra", PARITY_FILE)
    parity = preflight.parity(parity_path, signatures) if os.path.exists(parity_path) else None

    api = CApi()
    core_ops = api.registered_ops()
    text_ops = api.load_text_ops()
    used = graph_ops(saved)
    report["ops_used"] = len(used)
    report["text_ops_used"] = sorted(used & text_ops)
    report["disallowed_ops"] = sorted(used - core_ops - text_ops)
    if report["disallowed_ops"]:
        report["error"] = ("the graph uses ops TF Serving does not link: "
                           + ", ".join(report["disallowed_ops"]))
        return report
    t0 = time.perf_counter()
    try:
        model = api.load(export_dir)
    except RuntimeError as exc:
        raise ExportDamaged("saved_model.pb", "the C++ SavedModel loader refused it: "
                            + str(exc).splitlines()[0][:400]) from None
    report["load_seconds"] = time.perf_counter() - t0
    report["signatures"] = {
        name: {"inputs": {k: v.name for k, v in sig.inputs.items()},
               "outputs": sorted(sig.outputs)} for name, sig in model.signatures.items()}

    report["warmup_requests"] = 0
    for i, (signature, inputs) in enumerate(requests, 1):
        _run(model, signature, inputs, f"assets.extra/{WARMUP_FILE} (request {i})")
        report["warmup_requests"] += 1

    if parity is not None:
        from seqkeras.serving.warmup import from_jsonable  # {"b64": ...} -> bytes (WAV)
        what = f"assets.extra/{PARITY_FILE}"
        try:
            inputs = {k: _object_array(from_jsonable(v)) if _is_text(v) else np.array(v)
                      for k, v in parity["inputs"].items()}
            inputs = {k: v.astype(_input_dtype(model, parity["signature"], k))
                      if v.dtype != object else v for k, v in inputs.items()}
        except (ValueError, TypeError, KeyError) as exc:
            raise ExportDamaged(what, f"its inputs do not fit the signature ({exc})") from None
        got = _jsonable(_run(model, parity["signature"], inputs, what))
        report["parity"] = compare(parity["outputs"], got)
        report["parity"]["examples"] = len(next(iter(parity["inputs"].values()), []))
    report["ok"] = not report.get("parity") or report["parity"]["ok"]
    if not report["ok"]:
        report["error"] = "outputs differ from the trained Keras model: " + \
            "; ".join(report["parity"]["mismatches"][:5])
    return report


def _is_text(value) -> bool:
    """Whether a JSON value holds strings (text, or ``{"b64": ...}`` binary strings)."""
    while isinstance(value, list) and value:
        value = value[0]
    return isinstance(value, (str, dict))


def _object_array(value) -> np.ndarray:
    """Nested lists of str / bytes -> an object array of that shape (not numpy's ``S``)."""
    shape = []
    probe = value
    while isinstance(probe, list):
        shape.append(len(probe))
        probe = probe[0] if probe else None
    out = np.empty(len(value) if len(shape) == 1 else shape, dtype=object)
    if len(shape) == 1:
        out[:] = value
    else:
        for index in np.ndindex(*shape):
            item = value
            for i in index:
                item = item[i]
            out[index] = item
    return out


def _input_dtype(model, signature, name):
    from tensorflow.core.framework import types_pb2

    dtype = model.signatures[signature].inputs[name].dtype
    return {types_pb2.DT_FLOAT: np.float32, types_pb2.DT_DOUBLE: np.float64,
            types_pb2.DT_INT32: np.int32, types_pb2.DT_INT64: np.int64,
            types_pb2.DT_BOOL: np.bool_}.get(dtype, np.float32)


def compare(expected: dict, got: dict, atol: float = 1e-4, rtol: float = 1e-5) -> dict:
    """Outputs equal: strings exactly, numbers within ``atol + rtol * |expected|`` (float32
    values in the hundreds, e.g. forecasts in original units, differ in their last bits
    between the eager Keras run and the C++ session)."""
    mismatches, max_diff = [], 0.0
    for key, want in expected.items():
        if key not in got:
            mismatches.append(f"output {key!r} missing")
            continue
        have = got[key]
        if _is_text(want) or (isinstance(want, list) and not want):
            if want != have:
                mismatches.append(f"{key}: {_first_difference(want, have)}")
            continue
        a, b = np.asarray(want, dtype=np.float64), np.asarray(have, dtype=np.float64)
        if a.shape != b.shape:
            mismatches.append(f"{key}: shape {b.shape} instead of {a.shape}")
            continue
        diff = float(np.max(np.abs(a - b))) if a.size else 0.0
        max_diff = max(max_diff, diff)
        if a.size and np.any(np.abs(a - b) > atol + rtol * np.abs(a)):
            mismatches.append(f"{key}: max abs difference {diff:.2e} > {atol:.0e} "
                              f"(+ {rtol:.0e} x |value|)")
    return {"ok": not mismatches, "mismatches": mismatches, "max_abs_diff": max_diff}


def _first_difference(want, have) -> str:
    flat_w, flat_h = np.asarray(want, dtype=object).ravel(), np.asarray(have, dtype=object).ravel()
    if flat_w.shape != flat_h.shape:
        return f"shape {np.shape(have)} instead of {np.shape(want)}"
    for i, (w, h) in enumerate(zip(flat_w, flat_h)):
        if w != h:
            return f"element {i}: {h!r} instead of {w!r}"
    return "differs"


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from seqkeras.serving.preflight import ExportDamaged

    try:
        report = check(args[0])
    except ExportDamaged as exc:  # reported as data: the parent prints it as one clear error
        report = {"export_dir": args[0], "ok": False, "error": str(exc)}
    except Exception as exc:
        report = {"export_dir": args[0], "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("\n" + json.dumps(report) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
