"""Reading a forecasting pipeline's data: one regular series, split by time, as records.

The series is read and filled (``series.load_series``), split train / val / test by time
with context rows before val and test (``time_split.split_by_time``), and each span is
checked to hold at least one window. Statistics say what was filled, dropped and
rejected, and how many windows each split has; the training span's normalization is
reported too. Nothing is written here: the ingest stage writes the returned
:class:`~seqkeras.ingest.result.IngestResult`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from seqkeras.constants import SPLITS
from seqkeras.errors import DataError
from seqkeras.ingest.result import IngestResult
from seqkeras.topologies.sequence_prediction.calendar import (auto_calendar,
                                                               constant_features)
from seqkeras.topologies.sequence_prediction.plots import plot_series_splits
from seqkeras.topologies.sequence_prediction.series import columns, load_series
from seqkeras.topologies.sequence_prediction.spec import ahead_needs_fixed_step, fixed_step
from seqkeras.topologies.sequence_prediction.time_split import (normalization, scored,
                                                                split_by_time)
from seqkeras.topologies.sequence_prediction.transforms import TAG, choose_transform
from seqkeras.topologies.sequence_prediction.windows import window_ends


def split_summary(records: list[dict], lookback: int, horizon: int) -> dict:
    """One split's own time steps, context steps, windows and first/last timestamp."""
    own = scored(records)
    steps = np.array([r["step"] for r in records], np.int64)
    context = np.array([bool(r.get("context")) for r in records], bool)
    return {"steps": len(own), "context_steps": len(records) - len(own),
            "windows": len(window_ends(steps, context, lookback, horizon)),
            "start": own[0]["time"] if own else None,
            "end": own[-1]["time"] if own else None}


def read_series_records(spec, log) -> IngestResult:
    """The series of ``spec.data`` as time-step records per split, with rejects, statistics
    (frequency, missing values and how they were handled, windows per split, training
    normalization) and a plot of the splits.

    Raises DataError when the sources cannot be read into a series (see
    ``series.load_series``) or a split with a share of the data has no room for one
    window of ``lookback + horizon`` steps.
    """
    s = load_series(spec, log)
    series = spec.data.series
    if spec.data.max_records_per_split:
        log.warning("ingest: data.max_records_per_split does not apply to a time series "
                    "and is ignored (slice the file instead)")
    context = max(series.lookback, series.seasonal_period or 0)
    records = split_by_time(s, spec.data.split.val, spec.data.split.test, context)
    fractions = {"train": 1.0, "val": spec.data.split.val, "test": spec.data.split.test}
    splits = {}
    for name in SPLITS:
        splits[name] = split_summary(records[name], series.lookback, series.horizon)
        if fractions[name] > 0 and splits[name]["windows"] == 0:
            bigger = f"a larger data.split.{name}" if name != "train" else \
                "smaller data.split.val/test"
            raise DataError(
                f"ingest: the {name} span has {splits[name]['steps']} time step(s), no room "
                f"for one window of {series.lookback} + {series.horizon} steps; use more "
                f"data, {bigger} or a shorter lookback/horizon")
    numeric, categorical = columns(series)
    if series.target_scale == "log":
        check_log_scale(records, list(series.targets))
    transform = choose_transform(series, records["val"])
    if series.target_transform == "auto":
        log.info("ingest: target_transform auto -> %s (%s)", transform["chosen"],
                 transform["reason"])
    calendar = auto_calendar(s.frequency) if series.calendar == "auto" else \
        list(series.calendar)
    if series.calendar == "auto":
        log.info("ingest: calendar auto -> %s (frequency %s)", calendar or "none", s.frequency)
    constant = constant_features(calendar, s.frequency)
    if constant:
        log.warning("WARNING: ingest: data.series.calendar %s cannot vary on a series of "
                    "frequency %s (every step has the same value): the model gets constant "
                    "inputs; leave them out (calendar: auto chooses by frequency)", constant,
                    s.frequency)
    if series.calendar_ahead and calendar and not fixed_step(s.frequency):
        raise DataError(ahead_needs_fixed_step(s.frequency))
    mean, std = normalization(records["train"], numeric)
    reasons: dict[str, int] = {}
    for r in s.rejects:
        key = r["reason"].split(": ")[0]
        reasons[key] = reasons.get(key, 0) + 1
    stats = {**s.stats, "reject_reasons": reasons, "splits": splits,
             "target_transform": transform, "calendar": calendar,
             "time_zone": series.time_zone,
             "train_normalization": {c: {"mean": float(m), "std": float(d)}
                                     for c, m, d in zip(numeric, mean, std)}}

    missing = s.stats["missing"]
    log.info("ingest: %d time steps (frequency %s) from %s to %s; missing values per "
             "column %s; "
             "%d missing time step(s) inserted; policy %s filled %s%s", len(s.frame),
             s.frequency, s.stats["start"], s.stats["end"], missing["values_per_column"],
             missing["time_steps"], missing["policy"], missing["filled_per_column"],
             f", dropped {missing['rows_dropped']} step(s)" if missing["rows_dropped"] else
             f", trimmed {missing['leading_steps_trimmed']} leading step(s)"
             if missing["leading_steps_trimmed"] else "")
    metrics = {f"ingest_{k}_records": v["steps"] for k, v in splits.items()}
    metrics.update({f"ingest_{k}_windows": v["windows"] for k, v in splits.items()})
    metrics.update({f"ingest_missing_{c}": n for c, n in missing["values_per_column"].items()})
    metrics.update(ingest_rejected_rows=len(s.rejects),
                   ingest_missing_time_steps=missing["time_steps"],
                   ingest_filled_values=sum(missing["filled_per_column"].values()),
                   ingest_rows_dropped=missing["rows_dropped"],
                   ingest_leading_steps_trimmed=missing["leading_steps_trimmed"])
    metrics.update({f"ingest_{k}": v for k, v in transform.items()
                    if k.startswith("val_") and v is not None})
    column = numeric[0]
    times = {k: pd.to_datetime([r["time"] for r in scored(v)]) for k, v in records.items()}
    values = {k: [r["values"][column] for r in scored(v)] for k, v in records.items()}
    return IngestResult(
        records=records, rejects=s.rejects, stats=stats, metrics=metrics,
        summary={"records": {k: v["steps"] for k, v in splits.items()},
                 "windows": {k: v["windows"] for k, v in splits.items()},
                 "rejected": len(s.rejects), "missing_time_steps": missing["time_steps"],
                 "missing_values": missing["values_per_column"]},
        plots={"series.png": functools.partial(
            plot_series_splits, times, values, column,
            title=f"{spec.name}: {column}, split by time")},
        rejected_what="row(s)",
        split_line=", ".join(f"{k} {v['steps']} steps / {v['windows']} windows"
                             for k, v in splits.items()),
        tags={TAG: transform["chosen"], "data.series.calendar": ",".join(calendar) or "none"})


def check_log_scale(records: dict[str, list[dict]], targets: list[str]) -> None:
    """Raises DataError naming the column, time and value when a target value of any
    split is negative (``target_scale: log`` reads log1p of the targets)."""
    for split, rows in records.items():
        for r in scored(rows):
            for c in targets:
                if r["values"][c] < 0:
                    raise DataError(
                        f"data.series.target_scale log: target column {c!r} has the negative "
                        f"value {r['values'][c]:g} at {r['time']} ({split} span); the log "
                        "scale needs values >= 0: use target_scale none")
