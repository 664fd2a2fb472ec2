"""How long ``seqkeras validate`` takes, in a fresh interpreter, and that it never imports
TensorFlow: every mistake of ``tests/spec/mistakes.py`` and every shipped pipeline.

Timing lives here rather than in the unit tests (a timed test fails on a loaded machine
and measures nothing there). ``python -m benchmarks.validate`` writes its section of
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import machine
from benchmarks.results import fmt, table, write_section
from tests.spec.mistakes import MISTAKES, write_files
from tests.spec.test_no_tensorflow import SCRIPT

REPO = Path(__file__).resolve().parents[1]


def validate(paths: list[Path], data_root: Path) -> tuple[dict, float]:
    """Run SCRIPT on ``paths`` in a fresh interpreter; (its report, the process's wall s)."""
    env = {"SEQKERAS_DATA_ROOT": str(data_root), "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, paths)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def main(argv=None) -> int:
    import argparse

    argparse.ArgumentParser(prog="python -m benchmarks.validate",
                            description=__doc__.split("\n\n")[0],
                            epilog="Writes the 'validate' section of benchmarks/RESULTS.md."
                            ).parse_args(argv)
    load_before = machine.load_average()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        write_files(root)
        paths = []
        for case in MISTAKES:
            path = Path(tmp) / f"{case.id}.yaml"
            path.write_text(case.yaml, encoding="utf-8")
            paths.append(path)
        for label, files, data_root in (
                (f"{len(MISTAKES)} mistakes (tests/spec/mistakes.py)", paths, root),
                ("shipped pipelines/*.yaml", sorted((REPO / "pipelines").glob("*.yaml")),
                 REPO.parent / "shared" / "data")):
            out, wall = validate(files, data_root)
            seconds = [r["seconds"] for r in out["results"]]
            refused = sum(r["code"] == 2 for r in out["results"])
            rows.append([label, len(files), refused, fmt(out["import_seconds"]),
                         fmt(max(seconds)), fmt(sum(seconds) / len(seconds)), fmt(wall),
                         ", ".join(out["tensorflow"]) or "none"])
    body = "\n".join([
        "## seqkeras validate",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "- Command: `python -m benchmarks.validate`",
        f"- Machine: {machine.cpu_model()}, {machine.usable_cores()} usable cores; load "
        f"average {load_before} at start, {machine.load_average()} at end",
        "",
        "One fresh interpreter per row: import the CLI, then validate each file in turn.",
        "",
        table(["files", "count", "refused", "import s", "slowest file s", "mean file s",
               "process wall s", "TensorFlow modules imported"], rows, "lrrrrrrl"),
    ])
    write_section(REPO / "benchmarks" / "RESULTS.md", "validate", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
