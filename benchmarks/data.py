"""The pipeline outputs a benchmark reads: ingest records, the tokenize stage's
vocabulary and labels, train metrics. Missing or stale ingest/tokenize outputs are
(re)built with the seqkeras runner, up to the tokenize stage only, without tracking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seqkeras.io.atomic import read_json
from seqkeras.runner import STAGE_RECORD, data_fingerprint, is_fresh, run_pipeline, stage_fingerprint
from seqkeras.stages import STAGE_NAMES, STAGES


@dataclass
class PipelineData:
    workdir: Path          #: <data-dir>/<name>
    note: str              #: how the outputs were found (for the results)

    @property
    def ingest(self) -> Path:
        return self.workdir / "ingest"

    @property
    def tokenize(self) -> Path:
        return self.workdir / "tokenize"

    @property
    def train(self) -> Path:
        return self.workdir / "train"


def stale_stages(spec, workdir: Path, upto: str = "tokenize") -> list[str]:
    """Stages up to ``upto`` whose output is missing or was made from another spec/data."""
    data_fp = data_fingerprint(spec)
    fingerprints: dict[str, str] = {}
    stale = []
    for st in STAGES[:STAGE_NAMES.index(upto) + 1]:
        fingerprints[st.name] = stage_fingerprint(st, spec, fingerprints, data_fp)
        if not is_fresh(workdir / st.name, fingerprints[st.name]):
            stale.append(st.name)
    return stale


def prepare(spec_path: Path, spec, data_dir: Path, log=print) -> PipelineData:
    workdir = Path(data_dir) / spec.name
    needed = [workdir / "ingest" / "train.jsonl", workdir / "tokenize" / "vocab.txt"]
    missing = [p for p in needed if not p.exists()]
    stale = stale_stages(spec, workdir)
    if not missing and not stale:
        return PipelineData(workdir, f"stage outputs found in `{workdir}` (up to date)")
    why = (f"missing {', '.join(str(p) for p in missing)}" if missing
           else f"stale stage output(s): {', '.join(stale)}")
    log(f"[data] {why}; running the pipeline up to tokenize into {data_dir} (no tracking)")
    report = run_pipeline(spec_path, stage="tokenize", track=False, data_dir=data_dir)
    log(f"[data] ran {report.ran or 'nothing'}, skipped {report.skipped or 'nothing'} "
        f"in {report.seconds:.1f} s")
    return PipelineData(workdir, f"stage outputs built for this run in `{workdir}` "
                                 f"(ran: {', '.join(report.ran) or 'none'})")


def train_metrics(data: PipelineData) -> tuple[dict | None, dict | None]:
    """(metrics.json, the train stage record) of the pipeline's last train stage, if any."""
    metrics = data.train / "metrics.json"
    if not metrics.exists():
        return None, None
    record = data.train / STAGE_RECORD
    return read_json(metrics), (read_json(record) if record.exists() else None)
