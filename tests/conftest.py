"""Shared fixtures for the seqkeras unit tests.

Everything here writes real files under pytest's ``tmp_path``; nothing is mocked.
"""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow in test output

#: The shared data folder of the workspace (../shared/data seen from the repository).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _mlflow_tracking_uri_restored():
    """``mlflow.set_tracking_uri`` (called by every tracked run) also sets the process's
    ``MLFLOW_TRACKING_URI``; without this, a later test's subprocess would log into an
    earlier test's temporary store."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@pytest.fixture
def shared_data() -> Path:
    """The real shared data root; tests using it are skipped where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    """An empty data root that relative source paths resolve against."""
    root = tmp_path / "data_root"
    root.mkdir()
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(root))
    return root


@pytest.fixture
def write_spec(tmp_path):
    """``write_spec(text, name="pipeline")`` writes a dedented YAML file and returns its path."""

    def write(text: str, name: str = "pipeline") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_csv(data_root) -> Path:
    """A tiny valid csv (text,label) inside the data root, as ``small.csv``."""
    path = data_root / "small.csv"
    path.write_text("text,label\nhello there,pos\nnot good,neg\n", encoding="utf-8")
    return path


@pytest.fixture
def run_ingest(tmp_path):
    """``run_ingest(spec_or_path)`` runs the ingest stage alone and returns (summary, out)."""
    from seqkeras.spec import PipelineSpec, load_spec
    from seqkeras.stages import StageContext
    from seqkeras.stages import ingest
    from seqkeras.tracking import Tracker

    counter = {"n": 0}

    def run(spec_or_path):
        counter["n"] += 1
        if isinstance(spec_or_path, PipelineSpec):
            spec, spec_path = spec_or_path, tmp_path / f"{spec_or_path.name}.yaml"
        else:
            spec, spec_path = load_spec(spec_or_path), Path(spec_or_path)
        workdir = tmp_path / "work"
        out = workdir / f"ingest-out-{counter['n']}"
        out.mkdir(parents=True)
        ctx = StageContext(spec=spec, spec_path=spec_path, workdir=workdir, out=out,
                           tracker=Tracker(enabled=False),
                           log=logging.getLogger("seqkeras.tests"))
        return ingest.run(ctx), out

    return run

