"""Every benchmark that runs as ``python -m benchmarks.NAME`` answers ``--help`` with its
usage (exit 0), as the README's ``make bench`` section tells users to ask it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNABLE = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py")
                  if "__main__" in p.read_text(encoding="utf-8"))


def test_there_are_benchmarks_to_run():
    assert {"baselines", "auto_defaults", "decoding", "validate"} <= set(RUNNABLE)


@pytest.mark.parametrize("name", RUNNABLE)
def test_help_explains_and_exits_cleanly(name):
    p = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", "--help"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "usage:" in p.stdout.lower(), p.stdout[:500]
