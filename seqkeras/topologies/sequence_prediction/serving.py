"""The forecaster's served signature: one input per column, raw values in original units.

Every input column is its own input named after it (``prep.input_name``): numeric
columns ``float32 [None, lookback]``, categorical ones ``string [None, lookback]``, oldest
step first; with calendar features one more, ``timestamp`` int64 ``[None, lookback]``
(Unix seconds of each step). The graph takes log1p of the targets (``target_scale:
log``), standardizes (a NaN becomes the training mean), one-hot encodes with
``tf.equal`` against constant category lists, runs the model (which computes the
calendar features and inverts the target transform) and de-normalizes (expm1 on the log
scale), with core TF ops only. ``seqkeras predict`` reads each window from a CSV file,
the timestamps from its time column(s).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import tensorflow as tf

from seqkeras.errors import DataError, SeqkerasError
from seqkeras.topologies.base import as_text
from seqkeras.topologies.sequence_prediction.calendar import unix_seconds
from seqkeras.topologies.sequence_prediction.prep import (TIMESTAMP_INPUT, SeriesPrep,
                                                          input_name, split_arrays)
from seqkeras.topologies.sequence_prediction.series import NA_STRINGS, parse_times
from seqkeras.topologies.sequence_prediction.windows import gather_windows, window_ends


def serving_function(prep: SeriesPrep, model):
    """(function, input signature) of ``serving_default``: the column inputs above ->
    ``forecast`` float32 ``[None, horizon, n_targets]`` in original units and
    ``target_names`` string ``[None, n_targets]``."""
    n_num, k = len(prep.numeric), len(prep.targets)
    mean = tf.constant(prep.mean, tf.float32)
    std = tf.constant(prep.std, tf.float32)
    t_mean, t_std = mean[:k], std[:k]
    vocabularies = [tf.constant(prep.categories[c], dtype=tf.string)
                    for c in prep.categorical]
    target_names = tf.constant(prep.targets, dtype=tf.string)

    log_scale, n_cat = prep.target_scale == "log", len(prep.categorical)

    def serve(*columns):
        numeric = tf.stack(columns[:n_num], axis=-1)
        if log_scale:  # log1p of the targets (below 0 read as 0), a NaN stays missing
            y = numeric[..., :k]
            y = tf.where(tf.math.is_nan(y), y, tf.math.log1p(tf.maximum(y, 0.0)))
            numeric = tf.concat([y, numeric[..., k:]], axis=-1)
        x = (numeric - mean) / std
        parts = [tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)]
        for values, vocab in zip(columns[n_num:n_num + n_cat], vocabularies):
            parts.append(tf.cast(tf.equal(values[..., None], vocab), tf.float32))
        features = tf.concat(parts, axis=-1) if len(parts) > 1 else parts[0]
        inputs = {"window": features, "timestamp": columns[-1]} if prep.calendar else features
        forecast = model(inputs, training=False) * t_std + t_mean
        if log_scale:
            forecast = tf.math.expm1(forecast)
        n = tf.shape(forecast)[0]
        return {"forecast": forecast,
                "target_names": tf.tile(target_names[None, :], [n, 1])}

    names = prep.input_names
    signature = ([tf.TensorSpec([None, prep.lookback], tf.float32, name=names[c])
                  for c in prep.numeric]
                 + [tf.TensorSpec([None, prep.lookback], tf.string, name=names[c])
                    for c in prep.categorical]
                 + [tf.TensorSpec([None, prep.lookback], tf.int64, name=TIMESTAMP_INPUT)
                    for _ in prep.calendar[:1]])
    return serve, signature


def example_windows(prep: SeriesPrep, records: list[dict], n: int) -> dict:
    """Up to ``n`` raw windows spread across the records' split: input name -> numeric
    float32 or categorical object (str) ``[windows, lookback]``, in the order of the
    serving signature. Raises DataError when the records hold no window."""
    a = split_arrays(prep, records)
    ends = window_ends(a.steps, a.context, prep.lookback, prep.horizon)
    if not len(ends):
        raise DataError("no window to build example inputs from")
    pick = ends[np.unique(np.linspace(0, len(ends) - 1, min(n, len(ends))).round().astype(int))]
    names = prep.input_names
    out = {}
    for j, c in enumerate(prep.numeric):
        windows = gather_windows(a.numeric[:, j], pick, prep.lookback)
        out[names[c]] = windows.astype(np.float32)
    for j, c in enumerate(prep.categorical):
        windows = gather_windows(a.categorical[:, j], pick, prep.lookback)
        out[names[c]] = windows.astype(object)
    if prep.calendar:
        out[TIMESTAMP_INPUT] = gather_windows(prep.seconds(a), pick, prep.lookback)
    return out


def time_reader(metadata: dict):
    """A function CSV frame (str cells) -> int64 Unix seconds of its rows, from the time
    layout an export recorded (``{"time", "time_format", "time_zone"}``, see
    ``SequencePrediction.export_metadata``); None without one. Raises SeqkerasError
    naming the column for a missing column or a time that cannot be parsed."""
    if not metadata.get("time"):
        return None
    series = SimpleNamespace(time=metadata["time"], time_format=metadata.get("time_format"),
                             time_zone=metadata.get("time_zone", "UTC"))
    columns = [series.time] if isinstance(series.time, str) else list(series.time)

    def read(frame: pd.DataFrame, path: str) -> np.ndarray:
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise SeqkerasError(f"{path}: no time column(s) {absent} (the model reads the "
                                f"{TIMESTAMP_INPUT} of each step from them)")
        times = parse_times(frame, series)
        if times.isna().any():
            raise SeqkerasError(f"{path}: time column(s) {columns}: cannot parse "
                                f"{frame[columns].iloc[int(np.argmax(times.isna()))].tolist()}")
        return unix_seconds(times, series.time_zone)
    read.columns = columns
    return read


def read_csv_windows(signature_inputs: dict, args: list[str], read_times=None) -> dict:
    """Serving inputs for a batch of windows, one CSV file each (``args``; a header row
    with the original column names, extra columns ignored; its last ``lookback`` rows are
    used). ``signature_inputs``: input name -> TensorSpec. The ``timestamp`` input comes
    from ``read_times`` (``time_reader``), or a ``timestamp`` column of Unix seconds.
    Raises SeqkerasError for a missing file or column, too few rows, or a numeric cell
    that is missing (``NA``, empty: the served graph refuses NaN) or not a number its
    input's dtype holds (``window_numbers``)."""
    specs = dict(signature_inputs)
    per_input: dict[str, list] = {name: [] for name in specs}
    for path in args:
        if not Path(path).is_file():
            raise SeqkerasError(f"{path}: not a file; sequence_prediction reads each "
                                "window from a CSV file with one row per time step")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        by_name = {input_name(c): c for c in frame.columns}
        for name, spec in specs.items():
            if name == TIMESTAMP_INPUT and read_times is not None and name not in by_name:
                lookback = spec.shape[1] or len(frame)
                if len(frame) < lookback:
                    raise SeqkerasError(f"{path}: {len(frame)} row(s); the model reads "
                                        f"windows of {lookback}")
                rows = frame.iloc[-lookback:]
                seconds = read_times(rows, path)
                check_time_order(seconds, rows.index, path, read_times.columns)
                per_input[name].append(seconds)
                continue
            if name not in by_name:
                raise SeqkerasError(f"{path}: no column for input {name!r} (columns: "
                                    f"{', '.join(frame.columns)})")
            lookback = spec.shape[1]
            column = frame[by_name[name]]
            if lookback is not None and len(column) < lookback:
                raise SeqkerasError(f"{path}: {len(column)} row(s); the model reads "
                                    f"windows of {lookback}")
            column = column.iloc[-lookback:] if lookback else column
            if spec.dtype == tf.string:
                per_input[name].append(column.str.strip().to_numpy(object))
            else:
                values = window_numbers(column, spec.dtype, path, by_name[name])
                if name == TIMESTAMP_INPUT:
                    check_time_order(values, column.index, path, by_name[name])
                per_input[name].append(values)
    return {name: np.stack(v) for name, v in per_input.items()}


def check_time_order(seconds: np.ndarray, index, path: str, column) -> None:
    """Raises SeqkerasError naming ``path``'s line when a window's Unix ``seconds`` go
    back in time (a window written newest first, or unsorted: the model reads the oldest
    step first). Equal seconds pass: the hour a DST change skips is a step of the
    series' local grid, read as the next hour that exists (``calendar.unix_seconds``).
    ``index``: the rows' 0-based positions in the file; ``column``: the time column(s)."""
    ordered = np.diff(seconds) >= 0
    if not ordered.all():
        i = int(np.argmin(ordered)) + 1
        name = column if isinstance(column, str) else ", ".join(column)
        raise SeqkerasError(f"{path}:{int(index[i]) + 2}: column {name!r}: the time is "
                            "before the row before it; a window lists its steps oldest "
                            "first, one row a step")


def window_numbers(column: pd.Series, dtype: tf.DType, path: str, name: str) -> np.ndarray:
    """The cells (str) of one window column as ``dtype`` numbers (float32, or int64 for
    the ``timestamp``). Raises SeqkerasError naming ``path``'s line and the column for a
    missing cell (the served graph refuses NaN), a value that is not a number, one
    float32 cannot hold, or a timestamp that is not a whole int64: any of them would
    otherwise reach the graph as NaN, infinity or a wrapped integer."""
    text = column.str.strip()
    values = pd.to_numeric(text.where(~text.str.lower().isin(NA_STRINGS), None),
                           errors="coerce").astype(float).to_numpy()
    if dtype.is_integer:
        info = np.iinfo(dtype.as_numpy_dtype)
        with np.errstate(invalid="ignore"):
            ok = (values == np.round(values)) & (np.abs(values) < float(info.max))
        what = f"is not a whole number within {dtype.name}"
    else:
        with np.errstate(invalid="ignore"):
            ok = np.abs(values) <= float(np.finfo(dtype.as_numpy_dtype).max)
        what = f"is not a finite {dtype.name} number"
    if not ok.all():
        i = int(np.argmin(ok))
        line = int(column.index[i]) + 2  # the header is line 1
        cell = text.iloc[i]
        if cell.lower() in NA_STRINGS:
            problem = ("missing; the model reads every step of the window: fill it (the "
                       "value the series would have had)")
        elif np.isnan(values[i]):
            problem = f"{cell[:40]!r} is not a number"
        else:
            problem = f"{cell[:40]!r} {what}"
        raise SeqkerasError(f"{path}:{line}: column {name!r}: {problem}")
    return values.astype(dtype.as_numpy_dtype)


def format_forecasts(outputs: dict, sources: list[str]) -> list[str]:
    """A table per window (steps ahead by target) from the served outputs; ``sources``
    names the windows (their CSV files) where known."""
    forecast = np.asarray(outputs["forecast"])
    names = [as_text(n) for n in np.asarray(outputs["target_names"])[0]] \
        if len(forecast) else []
    lines = []
    for b, window in enumerate(forecast):
        label = f" ({sources[b]})" if b < len(sources) else ""
        lines.append(f"window {b + 1}{label}: forecast for the next {len(window)} steps")
        lines.append("  step  " + "  ".join(f"{n:>10}" for n in names))
        for h, row in enumerate(window):
            lines.append(f"  {'+' + str(h + 1):>4}  " + "  ".join(f"{v:>10.3f}" for v in row))
    return lines
