"""Splitting a regular series by time, and the statistics of the training span.

Train, then val, then test, each a contiguous span (a random split would leak the
future into training). Val and test records are preceded by ``context`` rows: the
history their first windows read and the seasonal-naive baseline looks up, flagged so
that they are never scored as targets. Record layout: see ``series.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqkeras.errors import DataError
from seqkeras.topologies.sequence_prediction.series import Series, fill_missing


def split_sizes(n: int, val: float, test: float) -> tuple[int, int, int]:
    """(train, val, test) step counts for ``n`` steps and the val/test shares (rounded)."""
    n_test, n_val = int(round(n * test)), int(round(n * val))
    return n - n_val - n_test, n_val, n_test


def to_records(s: Series, lo: int, hi: int, context: bool = False,
               frame: pd.DataFrame | None = None) -> list[dict]:
    """Rows ``lo .. hi - 1`` of the series as records (see ``series.py``), flagged as
    context rows when ``context``; values from ``frame`` (the filled series, same rows as
    ``s.frame``) when given, else from ``s.frame``."""
    frame = s.frame if frame is None else frame
    names = list(frame.columns)
    numeric_cols = {c for c in names if pd.api.types.is_float_dtype(frame[c].dtype)}
    out = []
    values = {c: frame[c].to_numpy() for c in names}
    times = frame.index
    for i in range(lo, hi):
        rec = {"time": times[i].isoformat(), "step": int(s.steps[i]),
               "values": {c: (float(values[c][i]) if c in numeric_cols else str(values[c][i]))
                          for c in names}}
        imputed = [c for j, c in enumerate(names) if s.imputed[i, j]]
        if imputed:
            rec["imputed"] = imputed
        if context:
            rec["context"] = True
        out.append(rec)
    return out


def split_by_time(s: Series, val: float, test: float, context: int) -> dict[str, list[dict]]:
    """train = the first rows, then val, then test; val/test start with ``context`` rows
    from before their span (flagged, never scored)."""
    n_train, n_val, n_test = split_sizes(len(s.frame), val, test)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val),
              "test": (n_train + n_val, n_train + n_val + n_test)}
    filled = filled_within_splits(s, list(bounds.values()))
    out = {}
    for name, (lo, hi) in bounds.items():
        ctx = min(context, lo) if name != "train" and hi > lo else 0
        out[name] = (to_records(s, lo - ctx, lo, context=True, frame=filled)
                     + to_records(s, lo, hi, frame=filled))
    return out


def filled_within_splits(s: Series, bounds: list[tuple[int, int]]) -> pd.DataFrame:
    """``s.frame`` with the rows of each ``(lo, hi)`` span (consecutive, in time order)
    filled by ``s.missing`` from rows ``0 .. hi - 1`` alone: nothing after a span's end
    reaches it (see the module doc)."""
    parts = [fill_missing(s.frame.iloc[:hi], s.missing).iloc[lo:hi]
             for lo, hi in bounds if hi > lo]
    return pd.concat(parts) if parts else s.frame.copy()


def scored(records: list[dict]) -> list[dict]:
    """The records of a split's own span (without its context rows)."""
    return [r for r in records if not r.get("context")]


def normalization(records: list[dict], numeric: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (population; 1 where constant) of each numeric column
    over the records' own span (context rows excluded)."""
    own = scored(records)
    if not own:
        raise DataError("normalization needs at least one training time step")
    x = np.array([[r["values"][c] for c in numeric] for r in own], dtype=np.float64)
    mean, std = x.mean(0), x.std(0)
    std = np.where(std > 1e-12, std, 1.0)
    return mean, std
