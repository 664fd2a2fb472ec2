"""The runner: fingerprints decide what reruns, crashes keep the last good output."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from seqkeras import runner
from seqkeras.errors import SeqkerasError
from seqkeras.runner import run_pipeline
from seqkeras.stages import STAGE_NAMES
from tests.pipeline_helpers import sms_spec, workdir  # noqa: F401

pytestmark = pytest.mark.slow


def _fingerprints(workdir, name):
    return {s: json.loads((workdir / "data" / name / s / "_stage.json").read_text())["fingerprint"]
            for s in STAGE_NAMES}


def test_changes_rerun_only_downstream_and_force_reruns(workdir):  # noqa: F811
    spec = sms_spec(workdir)
    assert run_pipeline(spec, track=False).ran == STAGE_NAMES
    before = _fingerprints(workdir, "sms_tiny")

    # a model change leaves ingest and tokenize alone, reruns the rest, exports version 2
    spec.write_text(spec.read_text().replace("units: 8", "units: 6"))
    report = run_pipeline(spec, track=False)
    assert report.skipped == ["ingest", "tokenize"]
    assert report.ran == ["build", "tune", "train", "export"]
    after = _fingerprints(workdir, "sms_tiny")
    assert after["ingest"] == before["ingest"] and after["train"] != before["train"]
    assert sorted(p.name for p in (workdir / "models/sms_tiny").iterdir()) == ["1", "2"]

    # --force with a stage reruns that stage only; the stages before it stay skipped
    forced = run_pipeline(spec, stage="tokenize", force=True, track=False)
    assert forced.skipped == ["ingest"] and forced.ran == ["tokenize"]


def test_crash_mid_stage_keeps_previous_output(workdir, monkeypatch):  # noqa: F811
    spec = sms_spec(workdir)
    run_pipeline(spec, stage="tokenize", track=False)
    vocab = workdir / "data/sms_tiny/tokenize/vocab.txt"
    good = vocab.read_text()

    def crash(ctx):
        (ctx.out / "vocab.txt").write_text("half-written\n")
        raise RuntimeError("disk on fire")

    crashing = [dataclasses.replace(s, run=crash) if s.name == "tokenize" else s
                for s in runner.STAGES]
    monkeypatch.setattr(runner, "STAGES", crashing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_pipeline(spec, stage="tokenize", force=True, track=False)
    assert vocab.read_text() == good
    leftovers = [p.name for p in (workdir / "data/sms_tiny").iterdir()
                 if p.name.startswith(".") and p.name != runner.LOCK_FILE]
    assert leftovers == []


def test_export_missing_version_reruns_export(workdir):  # noqa: F811
    spec = sms_spec(workdir)
    run_pipeline(spec, track=False)
    shutil.rmtree(workdir / "models/sms_tiny/1")
    report = run_pipeline(spec, track=False)
    assert report.ran == ["export"]
    assert (workdir / "models/sms_tiny/1/saved_model.pb").exists()


def test_unknown_stage_is_rejected(workdir):  # noqa: F811
    with pytest.raises(SeqkerasError, match="unknown stage 'trian'"):
        run_pipeline(sms_spec(workdir), stage="trian", track=False)
