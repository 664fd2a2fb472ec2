"""``seqkeras validate`` in a fresh interpreter: every mistake is refused, the shipped
pipelines pass, and TensorFlow is never imported. How long it takes is measured by
``python -m benchmarks.validate`` (timings do not belong in unit tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.pipeline_helpers import SHARED_DATA
from tests.spec.mistakes import MISTAKES, write_files

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, time
start = time.perf_counter()
from seqkeras.cli import main
imported = time.perf_counter() - start
results = []
for path in sys.argv[1:]:
    t = time.perf_counter()
    code = main(["validate", path])
    results.append({"path": path, "code": code, "seconds": time.perf_counter() - t})
print(json.dumps({"import_seconds": imported, "results": results,
                  "tensorflow": sorted(m for m in sys.modules if m.split(".")[0] in
                                       ("tensorflow", "keras", "tensorflow_text"))}))
"""


def validate_in_subprocess(paths: list[Path], data_root: Path) -> dict:
    env = {**os.environ, "SEQKERAS_DATA_ROOT": str(data_root)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, paths)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_mistakes_are_refused_without_tensorflow(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    write_files(root)
    paths = []
    for case in MISTAKES:
        path = tmp_path / f"{case.id}.yaml"
        path.write_text(case.yaml, encoding="utf-8")
        paths.append(path)
    out = validate_in_subprocess(paths, root)
    assert out["tensorflow"] == []
    assert [r["code"] for r in out["results"]] == [2] * len(MISTAKES)


def test_shipped_pipelines_validate_without_tensorflow():
    if not SHARED_DATA.is_dir():
        import pytest
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    paths = sorted((REPO / "pipelines").glob("*.yaml"))
    out = validate_in_subprocess(paths, SHARED_DATA)
    assert out["tensorflow"] == []
    assert {Path(r["path"]).name: r["code"] for r in out["results"]} == \
        {p.name: 0 for p in paths}


def test_run_refuses_a_bad_spec_before_tensorflow_loads(tmp_path):
    # `seqkeras run` checks the spec the way validate does before any stage module (and so
    # TensorFlow) is imported: a typo costs a fraction of a second, not a TF start-up
    case = MISTAKES[0]
    path = tmp_path / f"{case.id}.yaml"
    path.write_text(case.yaml, encoding="utf-8")
    script = SCRIPT.replace('main(["validate", path])', 'main(["run", path, "--no-track"])')
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO,
                          env={**os.environ, "SEQKERAS_DATA_ROOT": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert [r["code"] for r in out["results"]] == [2]
    assert out["tensorflow"] == []
    assert case.key in done.stderr
