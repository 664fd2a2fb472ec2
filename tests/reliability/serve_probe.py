"""Run requests against an export through TF's C API in this (separate) process, as TF
Serving would, and write what happened as JSON: ``python -m tests.reliability.serve_probe
VERSION_DIR OUT.json [FUZZ_COUNT]``. A separate process, because the C API loads
tensorflow-text's op libraries itself and must not share a process with
``import tensorflow_text``."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np


def main(version_dir: str, out: str, fuzz: int = 0) -> None:
    from benchmarks.reliability_cases import serving_requests
    from seqkeras.serving.capi import CApi, CApiError

    api = CApi()
    api.load_text_ops()
    model = api.load(version_dir)
    vocab = len((Path(version_dir) / "assets" / "vocab.txt").read_text().splitlines())

    def run(signature, inputs):
        try:
            result = model.run(signature, inputs)
            return {"outputs": {k: v.tolist() if v.dtype != object else
                                [x.decode("utf-8", "replace") for x in v.ravel()]
                                for k, v in result.items()}}
        except CApiError as exc:
            return {"code": exc.code, "message": str(exc)}

    cases = {
        "text 2-D": ("serving_default", {"text": np.array([["a", "b"]], dtype=object)}),
        "text scalar": ("serving_default", {"text": np.array("a", dtype=object)}),
        "ids 1-D": ("from_token_ids", {"token_ids": np.array([4, 5], np.int64)}),
        "ids -3": ("from_token_ids", {"token_ids": np.array([[4, -3]], np.int64)}),
        "ids vocab": ("from_token_ids", {"token_ids": np.array([[4, vocab]], np.int64)}),
        "ids vocab+10": ("from_token_ids", {"token_ids": np.array([[vocab + 10]], np.int64)}),
        "empty batch": ("serving_default", {"text": np.array([], dtype=object)}),
        "empty texts": ("serving_default", {"text": np.array(["", "mary"], dtype=object)}),
        "bytes": ("serving_default", {"text": np.array([b"\xff\xfe", b"a\x00b"], dtype=object)}),
    }
    report = {"vocab": vocab, "cases": {k: run(*v) for k, v in cases.items()}, "fuzz": []}
    for req in serving_requests(random.Random(2), fuzz, vocab):
        result = run(req.signature, req.inputs)
        finite = "outputs" not in result or all(
            np.isfinite(np.asarray(v, np.float64)).all()
            for k, v in result["outputs"].items() if k in ("score", "probabilities"))
        report["fuzz"].append({"what": req.what, "expect": req.expect,
                               "code": result.get("code"), "finite": bool(finite)})
    Path(out).write_text(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
