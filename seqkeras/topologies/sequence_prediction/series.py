"""Reading a time series (no TensorFlow here): sources -> one regular, filled series.

``load_series``: time-indexed csv/tsv sources -> one regular series (pandas): timestamps
parsed (one column, or several such as year/month/day/hour combined; timestamps with UTC
offsets, such as a DST change ``+01:00`` -> ``+02:00``, are converted to the wall clock of
``data.series.time_zone``, UTC by default; naive ones are taken as on it), sorted,
reindexed to the expected frequency so gaps become explicit missing steps, missing values
counted; rows that cannot be used are returned as rejects (file, line, reason, raw),
never dropped silently. The missing values are NOT filled here: ``fill_missing`` is
applied by ``time_split.py`` within each split, on the rows up to the split's end only,
so a gap across the train/val boundary never puts later values into training (only
``drop`` and the trimming of unfillable leading steps happen here). Windows, baselines
and plots have their own modules.

A record (one line of ``train/val/test.jsonl``) is one time step::

    {"time": "2010-01-02T00:00:00", "step": 24, "values": {"pm2.5": 129.0, "cbwd": "SE"},
     "imputed": ["pm2.5"],          # only when some value of the step was filled
     "context": true}               # only for history rows before a val/test span

``step`` is the row's position on the regular time grid, so two records are consecutive
exactly when their steps differ by one (the ``drop`` policy leaves holes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from seqkeras.errors import DataError
from seqkeras.io import paths
from seqkeras.io.readers import READERS, RowError, detect_format, open_text

#: Cell values read as "missing" (case-insensitive, after stripping spaces).
NA_STRINGS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

#: The largest magnitude a value may have: the model and its served graph are float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: pandas.to_datetime accepts a frame of these columns (lowercased) directly.
_DATETIME_PARTS = {"year", "month", "day", "hour", "minute", "second", "ms", "us", "ns",
                   "years", "months", "days", "hours", "minutes", "seconds"}


# ------------------------------------------------------------------- columns
def columns(series) -> tuple[list[str], list[str]]:
    """(numeric input columns, categorical input columns) of a ``SeriesSpec``.

    Numeric inputs are the targets first, then the other numeric features, in the
    order the spec lists them; categoricals keep the spec's order. A categorical
    column is an input even when ``features`` does not repeat it.
    """
    categorical = list(dict.fromkeys(series.categorical))
    numeric = list(dict.fromkeys(series.targets))
    numeric += [c for c in dict.fromkeys(series.features)
                if c not in categorical and c not in numeric]
    return numeric, categorical


def time_columns(series) -> list[str]:
    """The column(s) holding the timestamp (``data.series.time``), as a list."""
    return [series.time] if isinstance(series.time, str) else list(series.time)


def check_columns(series) -> None:
    """Raises DataError when a target is categorical or a time column is also an input."""
    numeric, categorical = columns(series)
    both = sorted(set(series.targets) & set(categorical))
    if both:
        raise DataError(f"data.series: target(s) {both} are also categorical; "
                        "targets must be numeric")
    clash = sorted(set(time_columns(series)) & set(numeric + categorical))
    if clash:
        raise DataError(f"data.series: time column(s) {clash} cannot also be features or targets")


# -------------------------------------------------------------------- reading
@dataclass
class Series:
    """A regular series ready to split (``frame`` index: the timestamps). Its missing
    values are still missing (NaN / None): ``fill_missing(frame, missing)`` fills them,
    per split (``time_split.split_by_time``)."""

    frame: pd.DataFrame            #: numeric (float) and categorical (str) columns
    steps: np.ndarray              #: position of each row on the regular time grid
    imputed: np.ndarray            #: [rows, columns] bool: the value was filled in
    frequency: str
    rejects: list[dict] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    missing: str = "interpolate"   #: the fill policy (``data.series.missing``)


def read_rows(sources, needed: list[str], log=None) -> tuple[pd.DataFrame, list[dict], int]:
    """Every data row of the sources as strings (plus ``_file``, ``_line``, ``_raw``);
    rows the reader cannot parse become rejects. Returns (frame, rejects, rows_read)."""
    rows, rejects, seen = [], [], 0
    for i, source in enumerate(sources):
        path = paths.resolve(source.path)
        if not path.exists():
            raise DataError(f"data.sources[{i}].path: {paths.describe_missing(source.path)}")
        with open_text(path, source.member, source.encoding) as (stream, name):
            fmt = source.format if source.format != "auto" else detect_format(name.split("!")[-1])
            if fmt not in ("csv", "tsv"):
                raise DataError(f"data.sources[{i}]: sequence_prediction reads csv or tsv "
                                f"files, not {fmt!r}")
            if log:
                log.info("ingest: reading %s (%s)", name, fmt)
            delimiter = source.delimiter or ("," if fmt == "csv" else "\t")
            checked = False
            for line, row in READERS[fmt](stream, header=source.header,
                                          delimiter=source.delimiter):
                seen += 1
                if isinstance(row, RowError):
                    rejects.append({"file": name, "line": line, "reason": row.reason,
                                    "raw": row.raw[:500]})
                    continue
                if isinstance(row, list):  # no header: columns are named "0", "1", ...
                    row = {str(j): v for j, v in enumerate(row)}
                if not checked:
                    absent = [c for c in needed if c not in row]
                    if absent:
                        raise DataError(f"{name}: no column(s) {absent}; the file has "
                                        f"{list(row)[:20]}")
                    checked = True
                rows.append({**{c: row[c] for c in needed}, "_file": name, "_line": line,
                             "_raw": delimiter.join(str(v) for v in row.values())[:500]})
    frame = pd.DataFrame(rows, columns=[*needed, "_file", "_line", "_raw"], dtype=object)
    return frame, rejects, seen


def _is_missing(values: pd.Series) -> np.ndarray:
    return values.map(lambda v: v is None or str(v).strip().lower() in NA_STRINGS).to_numpy(bool)


#: The end of a timestamp that carries its UTC offset (``Z``, ``+01:00``, ``-0500``).
_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


def _to_local(text: pd.Series, time_format, zone: str = "UTC") -> pd.Series:
    """Parsed timestamps, naive, on the wall clock of ``zone``: text with a UTC offset
    is converted (``2021-03-28T01:00:00+01:00`` and ``2021-03-28T03:00:00+02:00``, a DST
    change, are 00:00 and 01:00 UTC, or 01:00 and 03:00 in Europe/Berlin, instead of
    pandas' "Mixed timezones detected" error); text without one is taken as already on
    that clock."""
    parsed = pd.to_datetime(text, format=time_format, errors="coerce", utc=True)
    if zone != "UTC":
        with_offset = text.str.strip().str.contains(_OFFSET, regex=True).to_numpy()
        if with_offset.any():
            local = parsed.dt.tz_convert(zone)
            return pd.Series(np.where(with_offset, local.dt.tz_localize(None),
                                      parsed.dt.tz_localize(None)), index=text.index,
                             dtype=local.dt.tz_localize(None).dtype)
    return parsed.dt.tz_localize(None)


def parse_times(frame: pd.DataFrame, series) -> pd.Series:
    """Timestamps of the rows (NaT where they cannot be parsed); naive, on the wall clock
    of ``series.time_zone`` (UTC by default) where the timestamps carry UTC offsets."""
    zone = getattr(series, "time_zone", "UTC") or "UTC"
    cols = time_columns(series)
    if len(cols) == 1:
        text = frame[cols[0]].map(lambda v: str(v).strip())
        return _to_local(text, series.time_format, zone)
    if series.time_format is None and all(c.lower() in _DATETIME_PARTS for c in cols):
        parts = pd.DataFrame({c.lower(): pd.to_numeric(frame[c].map(str).str.strip(),
                                                       errors="coerce") for c in cols})
        return pd.to_datetime(parts, errors="coerce")
    text = frame[cols].astype(str).agg(" ".join, axis=1)
    return _to_local(text, series.time_format, zone)


def dst_repeats(frame: pd.DataFrame, series, duplicate: np.ndarray) -> np.ndarray:
    """Which ``duplicate`` rows (same local ``_time`` as an earlier row) are a different
    instant than the row kept: the hour a DST change repeats, told apart by UTC offsets
    in the text (``time_zone`` other than UTC only)."""
    if getattr(series, "time_zone", "UTC") in (None, "UTC") or not duplicate.any():
        return np.zeros(len(frame), bool)
    utc = parse_times(frame, SimpleNamespace(time=series.time, time_format=series.time_format,
                                             time_zone="UTC"))
    kept = utc.groupby(frame["_time"].to_numpy()).transform("first")
    return duplicate & (utc != kept).to_numpy()


def fill_missing(data: pd.DataFrame, policy: str) -> pd.DataFrame:
    """A copy of ``data`` with its missing values filled by ``policy``: ``interpolate``
    (numbers linearly between the neighbours, categories forward; after the last value,
    forward), ``ffill``, ``zero`` (0, and an empty category), ``drop`` (unchanged: its
    rows were dropped). Only steps before a column's first value stay missing. Numeric
    columns are the float ones."""
    data = data.copy()
    numeric = [c for c in data.columns if pd.api.types.is_float_dtype(data[c].dtype)]
    categorical = [c for c in data.columns if c not in numeric]
    if policy == "interpolate":
        if numeric:
            data[numeric] = data[numeric].interpolate(method="linear", limit_direction="forward")
        if categorical:
            data[categorical] = data[categorical].ffill()
    elif policy == "ffill":
        data = data.ffill()
    elif policy == "zero":
        if numeric:
            data[numeric] = data[numeric].fillna(0.0)
        for c in categorical:  # an empty category is unknown: its one-hot is all zeros
            data[c] = data[c].where(data[c].notna(), "")
    return data


def infer_frequency(index: pd.DatetimeIndex) -> pd.DateOffset:
    """pandas' inferred frequency, else the most common spacing of the timestamps."""
    if len(index) < 2:
        raise DataError("ingest: fewer than two valid timestamps; cannot infer a frequency "
                        "(set data.series.frequency)")
    freq = pd.infer_freq(index) if len(index) >= 3 else None
    if freq is not None:
        return pd.tseries.frequencies.to_offset(freq)
    diffs = pd.Series(index[1:] - index[:-1])
    return pd.tseries.frequencies.to_offset(diffs.mode().iloc[0])


def frequency_name(offset) -> str:
    """pandas' name of a frequency offset ("h", "D")."""
    return offset.freqstr


def load_series(spec, log=None) -> Series:
    """Read, parse, sort, reindex and fill the sources of ``spec.data`` (see module doc)."""
    series = spec.data.series
    if series is None:
        raise DataError("the sequence_prediction topology needs data.series "
                        "(time, targets, features, ...)")
    check_columns(series)
    numeric, categorical = columns(series)
    used = numeric + categorical
    frame, rejects, rows_read = read_rows(spec.data.sources, time_columns(series) + used, log)
    if frame.empty:
        raise DataError(f"ingest: no data rows were read ({len(rejects)} rejected)")

    def reject(mask, reason):
        nonlocal frame
        mask = np.asarray(mask, bool)
        bad = frame[mask]
        reasons = reason if callable(reason) else (lambda _row: reason)
        for _, row in bad.iterrows():
            rejects.append({"file": row["_file"], "line": int(row["_line"]),
                            "reason": reasons(row), "raw": row["_raw"]})
        frame = frame[~mask]

    # timestamps
    times = parse_times(frame, series)
    frame = frame.assign(_time=times)
    reject(frame["_time"].isna().to_numpy(), "unparseable time")

    # values: NA markers are missing values; anything else that is not a number is a
    # reject, and so is a number the float32 model cannot hold (inf, 1e300: one of them
    # made the training normalization NaN, so every forecast was NaN)
    bad_any = np.zeros(len(frame), bool)
    first_bad = np.full(len(frame), "", dtype=object)
    why = np.full(len(frame), "", dtype=object)
    for c in numeric:
        na = _is_missing(frame[c])
        text = frame[c].map(lambda v: v.strip() if isinstance(v, str) else v).where(~na, None)
        parsed = pd.to_numeric(text, errors="coerce").astype(float).to_numpy(float)
        nan = np.isnan(parsed)
        with np.errstate(invalid="ignore"):
            huge = ~nan & ~(np.abs(parsed) <= FLOAT32_MAX)
        for bad, reason in ((nan & ~na, "not a number"),
                            (huge, "not a finite float32 number")):
            first_bad[bad & ~bad_any] = c
            why[bad & ~bad_any] = reason
            bad_any |= bad
        frame = frame.assign(**{f"_num_{c}": parsed})
    frame = frame.assign(_bad=first_bad, _why=why)
    reject(bad_any, lambda row: f"{row['_why']} in column {row['_bad']!r}: "
                                f"{str(row[row['_bad']])[:40]!r}")

    # duplicates (the first occurrence in reading order is kept), then time order
    frame = frame.iloc[np.argsort(frame["_time"].to_numpy(), kind="stable")]
    duplicate = frame["_time"].duplicated(keep="first").to_numpy()
    frame = frame.assign(_dst=dst_repeats(frame, series, duplicate))
    zone = getattr(series, "time_zone", "UTC")
    reject(duplicate, lambda row: (
        f"repeated local time at a DST change in {zone}: the model's steps are its "
        "wall-clock hours (the first row with it was kept; time_zone UTC keeps both)")
        if row["_dst"] else "duplicate timestamp (the first row with it was kept)")
    index = pd.DatetimeIndex(frame["_time"].to_numpy())
    if len(index) < 2:
        times_bad = [r for r in rejects if r["reason"] == "unparseable time"]
        first = (f"; first: {times_bad[0]['file']}:{times_bad[0]['line']}: unparseable "
                 f"time: {times_bad[0]['raw'][:60]!r}: set data.series.time_format (a "
                 "strptime format such as '%Y-%m-%d %H:%M') or write the times as ISO "
                 "8601 text") if times_bad else ""
        raise DataError(f"ingest: {len(index)} row(s) with a valid timestamp "
                        f"({len(rejects)} rejected); a series needs more{first}")

    offset = (pd.tseries.frequencies.to_offset(series.frequency) if series.frequency
              else infer_frequency(index))
    grid = pd.date_range(index[0], index[-1], freq=offset)
    off_grid = ~index.isin(grid)
    if off_grid.any():
        reject(off_grid, f"timestamp off the {offset.freqstr} grid that starts at {index[0]}")
        index = pd.DatetimeIndex(frame["_time"].to_numpy())

    data = pd.DataFrame(index=index)
    for c in numeric:
        data[c] = frame[f"_num_{c}"].to_numpy(float)
    for c in categorical:
        na = _is_missing(frame[c])
        text = frame[c].map(lambda v: str(v).strip()).to_numpy(object)
        data[c] = pd.Series(np.where(na, None, text), index=index, dtype=object)
    missing_in_rows: dict[str, int] = {}
    for c in used:
        missing_in_rows[c] = int(data[c].isna().sum())
    data = data.reindex(grid)
    steps = np.arange(len(grid))
    missing_steps = int(len(grid) - len(index))
    isna = data.isna().to_numpy()

    for c in numeric:
        data[c] = data[c].astype(np.float64)
    policy = series.missing
    leading = dropped = 0
    # the whole series is filled here only to find the steps no policy can fill (leading
    # ones); the values themselves are filled per split (time_split.split_by_time)
    keep = ~(data if policy == "drop" else fill_missing(data, policy)).isna().any(axis=1) \
        .to_numpy()
    if policy == "drop":
        dropped = int((~keep).sum())
    else:  # only leading steps can remain unfilled (nothing earlier to fill from)
        leading = int((~keep).sum())
    empty = [c for c in used if data[c].isna().all()]
    if empty:
        raise DataError(f"ingest: column(s) {empty} have no value in any of the {len(index)} "
                        "rows read; fill them or leave them out of data.series")
    data, steps, isna = data[keep], steps[keep], isna[keep]
    if data.empty:
        raise DataError("ingest: no time step is left after handling missing values "
                        f"(policy {policy!r})")
    filled = {c: int(isna[:, j].sum()) for j, c in enumerate(used)} if policy != "drop" else \
        {c: 0 for c in used}
    for c in numeric:
        data[c] = data[c].astype(np.float64)
    for c in categorical:
        data[c] = data[c].astype(object)

    stats = {
        "rows_read": rows_read, "rejected": len(rejects),
        "frequency": offset.freqstr,
        "frequency_source": "declared" if series.frequency else "inferred",
        "start": str(data.index[0]), "end": str(data.index[-1]),
        "grid_steps": int(len(grid)), "time_steps": int(len(data)),
        "missing": {
            "policy": policy,
            "values_per_column": missing_in_rows,
            "time_steps": missing_steps,
            "filled_per_column": filled,
            "rows_dropped": dropped,
            "leading_steps_trimmed": leading,
        },
    }
    return Series(data, steps, isna, offset.freqstr, rejects, stats, policy)
