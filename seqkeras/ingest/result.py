"""What a reader hands the ingest stage: records per split, rejects, statistics, plots.

Readers only read. The ingest stage (``seqkeras/stages/ingest.py``) is the one place
that writes ``train/val/test.jsonl``, ``rejects.jsonl``, ``stats.json`` and the plots
into its folder and logs them to MLflow, whatever the topology, so the file names and
their layout are defined once (here) and every topology's data is checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from seqkeras.constants import SPLITS

#: The stage's files (``data/<pipeline>/ingest/``): one JSON record a line per split.
SPLIT_FILE = "{split}.jsonl"
REJECTS_FILE = "rejects.jsonl"
STATS_FILE = "stats.json"


@dataclass
class IngestResult:
    """Everything read from a pipeline's sources, in memory.

    records: split name ("train", "val", "test") -> JSON-serializable record dicts, in
        the order they are written (a topology reads them back in that order).
    rejects: one JSON-serializable dict per rejected row or item, saying where it was
        (file, line or index) and why (``reason``), with its raw text.
    stats: the content of ``stats.json`` (counts, reject reasons, distributions).
    metrics: name -> number, logged to MLflow by the stage.
    summary: the stage's summary (kept by the runner in ``_stage.json``).
    plots: file name (``*.png``) -> a function that draws the plot at the path it is
        given; the stage calls each once, into its own folder.
    rejected_what: how the log line names rejects ("malformed row(s)").
    split_line: the log line that sums the splits up ("train 80, val 10, test 10").
    tags: name -> text, set as MLflow tags by the stage (choices made while reading).
    """

    records: dict[str, list[dict]]
    rejects: list[dict]
    stats: dict
    metrics: dict[str, float]
    summary: dict
    plots: dict[str, Callable[[Path], object]] = field(default_factory=dict)
    rejected_what: str = "malformed row(s)"
    split_line: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_records(cls, records: dict[str, list[dict]], rejects: list[dict], stats: dict,
                   lengths: dict, unit: str, **kwargs) -> "IngestResult":
        """The result of a reader whose items are records: record counts per split as the
        metrics, summary and log line, and a histogram of ``lengths`` (split -> array of
        lengths in ``unit``) as ``lengths.png``. ``kwargs``: e.g. ``rejected_what``."""
        import functools

        from seqkeras import plots  # matplotlib: only when a stage draws (validate never does)

        counts = split_counts(records)
        return cls(
            records=records, rejects=rejects, stats=stats,
            metrics={f"ingest_{s}_records": n for s, n in counts.items()}
            | {"ingest_rejected_rows": len(rejects)},
            summary={"records": counts, "rejected": len(rejects)},
            plots={"lengths.png": functools.partial(plots.length_histogram, lengths,
                                                    unit=unit)},
            split_line=", ".join(f"{s} {n}" for s, n in counts.items()), **kwargs)

    def __post_init__(self):
        missing = [s for s in SPLITS if s not in self.records]
        if missing or set(self.records) - set(SPLITS):
            raise ValueError(f"IngestResult.records needs exactly the splits {SPLITS}, "
                             f"got {sorted(self.records)}")


def split_counts(records: dict[str, list]) -> dict[str, int]:
    """Records per split, in ``SPLITS`` order: ``{"train": 80, "val": 10, "test": 10}``."""
    return {s: len(records[s]) for s in SPLITS}
