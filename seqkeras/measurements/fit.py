"""The tokenize stage's work for measurement inputs: statistics, the prep file, a picture.

``fit_measurements`` learns the per-feature statistics from the training records only
(a seeded sample of at most ``STAT_RECORDS``), writes ``measurements.json`` and draws
the features of a few training examples as the model will read them
(``features.png``: log-mel spectrograms for audio, channels for numeric sequences),
logged to the active MLflow run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras.errors import DataError
from seqkeras.measurements.dataset import examples, raw_dataset
from seqkeras.measurements.plots import feature_images
from seqkeras.measurements.prep import (PREP_FILE, STAT_RECORDS, MeasurementPrep,
                                        fit_statistics, save_prep)
from seqkeras.tracking import log_to_active_run
from seqkeras.training.batching import seeded_permutation

PICTURE = "features.png"
#: Training examples drawn in the picture.
PICTURED = 4


def record_width(records: list[dict]) -> int:
    """Features a step of numeric records (0 for audio). Raises DataError for records
    that are neither."""
    if not records:
        raise DataError("no training records to learn measurement statistics from")
    first = records[0]
    if "audio" in first:
        return 0
    if "sequence" not in first:
        raise DataError("the ingested records are not measurements (no 'sequence' or "
                        "'audio'): rerun the ingest stage after changing input.kind")
    return len(first["sequence"][0])


def fit_measurements(spec, train_records: list[dict], out_dir: Path,
                     describe=lambda r: r.get("label", "")) -> tuple[MeasurementPrep, dict]:
    """Learn statistics from ``train_records`` and write ``measurements.json`` and
    ``features.png`` into ``out_dir``; returns the prep and a summary. ``describe``
    titles a pictured record."""
    config = spec.input
    width = record_width(train_records)
    sample = seeded_permutation(train_records, spec.seed)[:STAT_RECORDS]
    stats = fit_statistics(config, raw_dataset(sample, width), width)
    prep = MeasurementPrep(config, width, stats["mean"], stats["std"])
    save_prep(prep, out_dir)
    pictured = picked(train_records, describe, PICTURED)
    drawn = [(f"{describe(r)} ({_length(r)})", ex["features"].numpy()[:int(ex["lengths"])])
             for r, ex in zip(pictured, examples(prep, pictured, training=False))]
    label = "mel bin" if config.kind == "audio" and not config.mfcc else "feature"
    feature_images(drawn, Path(out_dir) / PICTURE, label)
    log_to_active_run(Path(out_dir) / PICTURE, "tokenize")
    summary = {"input_kind": config.kind, "feature_size": prep.feature_size,
               "stat_records": len(sample)}
    if stats["mean"] is not None:
        summary["feature_mean_abs"] = float(np.mean(np.abs(stats["mean"])))
    return prep, summary


def picked(records: list[dict], describe, n: int) -> list[dict]:
    """Up to ``n`` records, the first of each distinct description (label) first."""
    seen, first, rest = set(), [], []
    for r in records:
        key = describe(r)
        (rest if key in seen else first).append(r)
        seen.add(key)
    return (first + rest)[:n]


def _length(record: dict) -> str:
    if "audio" in record:
        return f"{record.get('seconds', 0):.2f} s"
    return f"{len(record['sequence'])} steps"


__all__ = ["PICTURE", "PREP_FILE", "fit_measurements", "record_width"]
