"""The runner: runs stages in order, skips the ones whose fingerprint is unchanged,
writes every stage's output atomically and tracks the whole run in MLflow."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import seqkeras
from seqkeras.errors import SeqkerasError
from seqkeras.io import paths
from seqkeras.io.atomic import atomic_dir, read_json, recover, remove_stale, write_json
from seqkeras.io.locks import exclusive
from seqkeras.spec import PipelineSpec, flatten, load_spec
from seqkeras.stages import STAGE_NAMES, STAGES, StageContext
from seqkeras.stages.base import spec_fingerprint_sections
from seqkeras.tracking import Tracker, git_commit

log = logging.getLogger("seqkeras")

STAGE_RECORD = "_stage.json"
DATA_DIR = "data"
#: One run of a pipeline at a time per data folder: ``data/<pipeline>/.lock``.
LOCK_FILE = ".lock"


def data_fingerprint(spec: PipelineSpec) -> str:
    """Changes when any source file changes (path, size, modification time)."""
    parts = []
    for source in spec.data.sources:
        p = paths.resolve(source.path)
        st = p.stat()
        parts.append(f"{p}|{st.st_size}|{st.st_mtime_ns}|{source.member}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def stage_fingerprint(stage, spec: PipelineSpec, upstream: dict[str, str], data_fp: str) -> str:
    payload = {
        "stage": stage.name, "version": seqkeras.__version__,
        "sections": spec.section_hash(*spec_fingerprint_sections(stage, spec)),
        "topology": spec.topology, "seed": spec.seed, "name": spec.name,
        "upstream": {u: upstream[u] for u in stage.upstream},
        "data": data_fp if stage.name == "ingest" else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def is_fresh(out: Path, fingerprint: str) -> bool:
    recover(out)  # an output swap interrupted by a kill: the previous output comes back
    record = out / STAGE_RECORD
    if not record.exists():
        return False
    try:
        saved = read_json(record)
    except (OSError, ValueError):  # unreadable: treat as stale, the stage reruns
        return False
    if saved.get("fingerprint") != fingerprint:
        return False
    # An export is only fresh while the version it wrote is still there.
    exported = saved.get("summary", {}).get("path") if out.name == "export" else None
    return exported is None or Path(exported).exists()


@dataclass
class RunReport:
    pipeline: str
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    summaries: dict = field(default_factory=dict)
    seconds: float = 0.0
    run_id: str | None = None


def run_pipeline(spec_path: str | Path, stage: str | None = None, force: bool = False,
                 track: bool = True, data_dir: str | Path = DATA_DIR,
                 tune_workers: int = 0) -> RunReport:
    """Run every stage up to ``stage`` (all when None); ``force`` reruns the selected
    stage (or every stage when none is selected) even if its fingerprint is unchanged.
    ``tune_workers``: run the tuner's trials in that many worker processes beside a
    chief oracle (keras-tuner's distributed mode; 0: in this process).

    One run of a pipeline at a time per data folder: a second one raises
    :class:`~seqkeras.io.locks.LockBusy` ("pipeline X is running (pid N)") at once.
    Holding that lock, the run first puts back any output a killed run left half
    swapped, removes the temporary folders of killed runs and closes their MLflow runs.
    """
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)
    if stage is not None and stage not in STAGE_NAMES:
        raise SeqkerasError(f"unknown stage {stage!r}; stages: {', '.join(STAGE_NAMES)}")
    workdir = Path(data_dir) / spec.name
    lock = workdir / LOCK_FILE
    with exclusive(lock, f"pipeline {spec.name}",
                   busy_message=f"pipeline {spec.name} is running (pid {{pid}} on {{host}}, "
                                "since {started}); wait for it to finish or stop it"):
        for st in STAGES:
            recover(workdir / st.name)
        removed = remove_stale(workdir, all_pids=True)
        if removed:
            log.info("removed %d temporary folder(s) of interrupted runs: %s", len(removed),
                     ", ".join(removed))
        return _run_locked(spec, spec_path, stage, force, track, workdir, lock,
                           {"tune_workers": tune_workers})


def _run_locked(spec, spec_path, stage, force, track, workdir: Path, lock: Path,
                options: dict) -> RunReport:
    selected = STAGES[:STAGE_NAMES.index(stage) + 1] if stage else STAGES
    data_fp = data_fingerprint(spec)
    report = RunReport(spec.name)
    started = time.monotonic()
    tracker = Tracker(enabled=track)
    tags = {"seqkeras.version": seqkeras.__version__, "git.commit": git_commit(),
            "spec.hash": spec.section_hash(*(s for s in type(spec).model_fields if s != "name")),
            "data.fingerprint": data_fp, "topology": spec.topology,
            "stages.requested": stage or "all"}
    with tracker.pipeline_run(spec, spec_path, flatten(spec), tags, lock=lock):
        report.run_id = tracker.run_id
        fingerprints: dict[str, str] = {}
        for st in selected:
            fp = stage_fingerprint(st, spec, fingerprints, data_fp)
            fingerprints[st.name] = fp
            out = workdir / st.name
            forced = force and (stage is None or st.name == stage)
            if not forced and is_fresh(out, fp):
                log.info("stage %-8s skipped (unchanged, fingerprint %s)", st.name, fp)
                report.skipped.append(st.name)
                tracker.set_tags({f"stage.{st.name}": "skipped"})
                continue
            log.info("stage %-8s running: %s", st.name, st.help)
            t0 = time.monotonic()
            with atomic_dir(out) as tmp:
                ctx = StageContext(spec=spec, spec_path=spec_path, workdir=workdir, out=tmp,
                                   tracker=tracker, fingerprint=fp, options=options)
                summary = st.run(ctx)
                seconds = time.monotonic() - t0
                write_json(tmp / STAGE_RECORD, {
                    "fingerprint": fp, "stage": st.name, "seconds": seconds,
                    "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "summary": summary})
            log.info("stage %-8s done in %.1f s", st.name, seconds)
            tracker.set_tags({f"stage.{st.name}": "ran"})
            tracker.log_metrics({f"stage_seconds_{st.name}": seconds})
            report.ran.append(st.name)
            report.summaries[st.name] = summary
    report.seconds = time.monotonic() - started
    return report
