"""check-serving: would TF Serving load this export and answer like the Keras model?

The check runs in a fresh Python process (``seqkeras.serving.capi``) so that no
tensorflow-text op is registered except those TF Serving links. A broken export fails
with the version folder, the damaged file and the problem in one line (an empty
``saved_model.pb``, a missing ``variables/``, a corrupt parity or warmup file, outputs
that are NaN).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from seqkeras.errors import ServingCheckError
from seqkeras.serving.versions import latest


def check_serving(model_path: str | Path, timeout: int = 600) -> dict:
    version_dir = latest(Path(model_path))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
               CUDA_VISIBLE_DEVICES=os.environ.get("CUDA_VISIBLE_DEVICES", ""))
    try:
        proc = subprocess.run([sys.executable, "-m", "seqkeras.serving.capi",
                               str(version_dir.resolve())],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              errors="backslashreplace")
    except subprocess.TimeoutExpired:
        raise ServingCheckError(f"{version_dir}: the C++ loader did not finish within "
                                f"{timeout} s (a request hangs?)") from None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ServingCheckError(f"{version_dir}: the C++ loader process failed "
                                f"(exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report = json.loads(lines[-1])
    if not report.get("ok"):
        raise ServingCheckError(f"{version_dir}: {report.get('error', 'check failed')}")
    return report


def format_report(report: dict) -> str:
    lines = [f"OK  {report['export_dir']}",
             f"    loaded by the C++ SavedModel loader in {report['load_seconds']:.2f} s",
             f"    ops: {report['ops_used']} used, all core TF or TF Serving's tensorflow-text "
             f"({', '.join(report['text_ops_used']) or 'none'})",
             f"    warmup requests replayed: {report['warmup_requests']}"]
    for name, sig in report["signatures"].items():
        if name.startswith("__"):
            continue
        lines.append(f"    signature {name}: inputs {', '.join(sig['inputs'])} -> "
                     f"outputs {', '.join(sig['outputs'])}")
    parity = report.get("parity")
    if parity:
        lines.append(f"    parity with the trained Keras model: {parity['examples']} test "
                     f"examples, max abs difference {parity['max_abs_diff']:.2e}")
    return "\n".join(lines)
