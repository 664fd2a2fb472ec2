"""A pipeline exported twice into a fresh embedded (sqlite) store, shared by the
Model Registry and MLflow UI tests: its commands run as a user runs them, in
subprocesses, in a temporary working folder."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pipeline_helpers import SHARED_DATA, sms_spec


@dataclass
class Exported:
    workdir: Path
    spec: Path
    name: str

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.workdir / 'mlruns' / 'mlflow.db'}"

    def cli(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        """``seqkeras ARGS`` in the working folder, on its default store."""
        env = dict(os.environ, SEQKERAS_DATA_ROOT=str(SHARED_DATA), CUDA_VISIBLE_DEVICES="",
                   TF_CPP_MIN_LOG_LEVEL="3")
        env.pop("MLFLOW_TRACKING_URI", None)
        done = subprocess.run([sys.executable, "-m", "seqkeras.cli", *args], cwd=self.workdir,
                              env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if check:
            assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        return done


@pytest.fixture(scope="session")
def exported_twice(tmp_path_factory) -> Exported:
    """sms_tiny trained once and exported twice (models/sms_tiny/1 and /2), every
    stage tracked in mlruns/mlflow.db."""
    workdir = tmp_path_factory.mktemp("exported")
    spec = sms_spec(workdir)
    pipeline = Exported(workdir, spec, "sms_tiny")
    pipeline.cli("run", str(spec))
    pipeline.cli("run", str(spec), "--stage", "export", "--force")
    assert sorted(p.name for p in (workdir / "models" / "sms_tiny").iterdir()) == ["1", "2"]
    return pipeline
