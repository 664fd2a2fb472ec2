"""Running the real command line in a child process, as a user (or a kill) would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEQKERAS = [sys.executable, "-m", "seqkeras.cli"]


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")


def seqkeras(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(SEQKERAS + args, cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=timeout, errors="backslashreplace")


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(SEQKERAS + args, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, errors="backslashreplace")


def wait_for(proc: subprocess.Popen, text: str, timeout: float = 300) -> bool:
    """Read the child's log until a line contains ``text`` (False if it ended first)."""
    deadline = time.monotonic() + timeout
    for line in proc.stderr:
        if text in line:
            return True
        if time.monotonic() > deadline:
            return False
    return False


def run_statuses(project: Path) -> list[str]:
    with sqlite3.connect(project / "mlruns" / "mlflow.db") as con:
        return [r[0] for r in con.execute("SELECT status FROM runs")]


def leftovers(*folders: Path) -> list[str]:
    return [p.name for folder in folders if folder.is_dir() for p in folder.iterdir()
            if ".tmp-" in p.name or ".old-" in p.name]
