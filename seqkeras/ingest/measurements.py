"""Measurement records: ``[T, F]`` float sequences or WAV recordings, split and checked.

The counterpart of :mod:`seqkeras.ingest.records` for ``input.kind`` numeric and audio.
Sources are read by the registered readers (``ts``, ``long_csv`` and ``jsonl`` text
streams; ``npz`` and ``wav`` by path) and each row becomes a record or a reject with its
file, place and reason:

* numeric: ``{"sequence": [[f1 .. fF], ...], "label"?, "target"?}``: at least one step,
  every value finite, the same F as the sequences before it; ``"tags"`` (one a step)
  instead of ``"label"`` for a pipeline whose spec says ``PER_STEP_LABELS`` (aligned
  tagging);
* audio: ``{"audio": [{"path", "member"}], "seconds", "samples", "name", "label"?,
  "target"?, <named groups of name_pattern>}``: a reference to the recording, not its
  samples (the ingest folder stays small; datasets read the same bytes again), after
  :func:`seqkeras.audio.wav.check_wav` accepted it (mono 16-bit PCM at
  ``input.sample_rate``, not empty, not truncated, not too long).

Splits come from the source (``split``, ``split_field``, ``split_patterns`` on file
names) or from a seeded hash of the recording's name / the sequence's values, so the
same recording or sequence never straddles splits. Writes nothing: the ingest stage
writes what :func:`read_measurements` returns.
"""

from __future__ import annotations

import collections
import json
import math
import re

from seqkeras.audio.wav import WavError, check_wav
from seqkeras.constants import SPLITS
from seqkeras.errors import DataError
from seqkeras.ingest.result import IngestResult
from seqkeras.ingest.splits import assign_split, hash_fraction, limit_per_split
from seqkeras.io import paths
from seqkeras.io.path_readers import PATH_READERS
from seqkeras.io.readers import READERS, RowError, get_field, open_text

#: File-name suffix -> format, for ``format: auto`` numeric sources.
NUMERIC_SUFFIXES = ((".ts", "ts"), (".npy", "npz"), (".npz", "npz"), (".jsonl", "jsonl"),
                    (".ndjson", "jsonl"), (".json", "jsonl"), (".csv", "long_csv"),
                    (".tsv", "long_csv"))


class Reject(Exception):
    """A row that cannot become a record; the message is the reason."""


def source_format(source, kind: str) -> str:
    """The format to read ``source`` with (``format``, or guessed from the path for
    ``auto``). Raises DataError when the suffix says nothing."""
    if source.format != "auto":
        return source.format
    if kind == "audio":
        return "wav"
    name = source.path.lower().removesuffix(".gz")
    for suffix, fmt in NUMERIC_SUFFIXES:
        if name.endswith(suffix):
            return fmt
    raise DataError(f"{source.path}: cannot tell the format of numeric sequences from the "
                    "file name; set format to ts, long_csv, npz or jsonl")


def source_rows(source, index: int, kind: str):
    """Yield ``(file, where, row)`` for every row of ``source`` (a RowError for rows the
    reader could not parse). Raises DataError when the file is missing or unreadable."""
    path = paths.resolve(source.path)
    if not path.exists():
        raise DataError(f"data.sources[{index}].path: {paths.describe_missing(source.path)}")
    fmt = source_format(source, kind)
    if fmt in PATH_READERS:
        for where, row in PATH_READERS[fmt](path, source):
            yield str(path), where, row
        return
    options = {}
    if fmt == "long_csv":
        options = dict(sequence_field=source.sequence_field, step_field=source.step_field,
                       feature_fields=source.feature_fields,
                       exclude=(source.label_field, source.split_field, source.target_field))
    with open_text(path, source.member, source.encoding) as (stream, name):
        for where, row in READERS[fmt](stream, header=source.header,
                                       delimiter=source.delimiter, **options):
            yield name, where, row


def numeric_sequence(row, source, fmt: str) -> list[list[float]]:
    """The ``[T, F]`` float sequence of a row (a ``[T]`` list is one feature): field
    ``sequence_field`` of a jsonl row, ``sequence`` of the rows the other readers make.
    Raises Reject when it is missing, empty, ragged or holds a value that is not a finite
    number. Pure Python: ``seqkeras validate`` runs it without importing numpy."""
    field = source.sequence_field if fmt == "jsonl" else "sequence"
    if field not in row:
        raise Reject(f"missing field {field!r}")
    value = row[field]
    if not isinstance(value, (list, tuple)):
        raise Reject(f"not a [T, F] list of numbers: field {field!r} holds "
                     f"{type(value).__name__}")
    if not value:
        raise Reject(f"empty sequence: field {field!r} has no values")
    steps = value if isinstance(value[0], (list, tuple)) else [[v] for v in value]
    width = len(steps[0])
    out, bad = [], []
    for t, step in enumerate(steps):
        if not isinstance(step, (list, tuple)) or len(step) != width or not width:
            raise Reject(f"not a [T, F] list of numbers: field {field!r} is ragged (step "
                         f"{t} differs from step 0)")
        floats = []
        for f, v in enumerate(step):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise Reject(f"not a [T, F] list of numbers: field {field!r} holds "
                             f"{v!r} at step {t}, feature {f}")
            x = math.nan if v is None else float(v)
            if not math.isfinite(x):
                bad.append((t, f))
            floats.append(x)
        out.append(floats)
    if bad:
        raise Reject(f"missing or non-finite value: at step {bad[0][0]}, feature {bad[0][1]} "
                     f"({len(bad)} in all)")
    return out


def _label(row, source, groups: dict, fmt: str):
    if source.label is not None:
        return source.label
    if groups:
        return groups.get("label", next(iter(groups.values())))
    if source.label_field is None or (fmt == "wav" and "bytes" in row and
                                      source.label_field not in row):
        return None
    try:
        value = get_field(row, source.label_field)
    except KeyError as exc:
        raise Reject(exc.args[0]) from None
    if isinstance(row.get(source.label_field), list):
        raise Reject(f"label field {source.label_field!r} changes within the sequence")
    value = value.strip()
    if not value:
        raise Reject("empty label")
    return value


def step_tags(row, source, steps: int) -> list[str]:
    """One tag a step (aligned tagging): the label field's list (a jsonl list, a long_csv
    column that changes over the sequence) or its one value repeated, or ``label``.
    Raises Reject when it is missing, empty or not one a step."""
    if source.label is not None:
        return [source.label] * steps
    if source.label_field is None or source.label_field not in row:
        raise Reject(f"missing field {source.label_field!r} (the tags)")
    value = row[source.label_field]
    tags = [str(v).strip() for v in value] if isinstance(value, list) else \
        [str(value).strip()] * steps
    if len(tags) != steps:
        raise Reject(f"tags not one a step: {len(tags)} tags for {steps} steps")
    if not all(tags):
        raise Reject("empty tag")
    return tags


def _name_groups(pattern, name: str) -> dict:
    if pattern is None:
        return {}
    match = pattern.search(name)
    if match is None:
        raise Reject(f"file name {name!r} does not match name_pattern {pattern.pattern!r}")
    named = {k: v for k, v in match.groupdict().items() if v is not None}
    return named or ({"label": match.group(1)} if match.groups() else {})


def _split(row, source, spec, name: str, key: str) -> str | None:
    if source.split is not None:
        return source.split
    if source.split_field is not None:
        try:
            value = get_field(row, source.split_field).strip()
        except KeyError as exc:
            raise Reject(exc.args[0]) from None
        split = spec.data.split_mapping().get(value)
        if split is None:
            raise Reject(f"unknown split value {value!r} (map it in data.split_values)")
        return None if split == "drop" else split
    for split, pattern in source.split_patterns.items():
        if re.search(pattern, name):
            return split
    return assign_split(hash_fraction(spec.seed, key), spec.data.split.val,
                        spec.data.split.test)


def make_record(row, source, spec, fmt: str, pattern) -> tuple[dict, str | None, str]:
    """(record, split or None to drop, key) of one row. Raises Reject."""
    config = spec.input
    if config.kind == "audio":
        try:
            info = check_wav(row["bytes"], config.sample_rate, config.max_seconds)
        except WavError as exc:
            raise Reject(str(exc)) from None
        groups = _name_groups(pattern, row["name"])
        record = {"audio": [row["ref"]], "seconds": round(info.seconds, 4),
                  "samples": info.frames, "name": row["name"]}
        record.update({k: v for k, v in groups.items() if k != "label"})
        key = row["name"]
    else:
        groups = {}
        record = {"sequence": numeric_sequence(row, source, fmt)}
        key = json.dumps(record["sequence"])[:10_000]
    if getattr(spec, "PER_STEP_LABELS", False) and "sequence" in record:
        record["tags"] = step_tags(row, source, len(record["sequence"]))
    else:
        label = _label(row, source, groups, fmt)
        if label is not None:
            record["label"] = label
    if source.target_field is not None:
        try:
            target = get_field(row, source.target_field).strip()
        except KeyError as exc:
            raise Reject(exc.args[0]) from None
        if not target:
            raise Reject("empty target")
        record["target"] = target
    return record, _split(row, source, spec, record.get("name", ""), key), key


def read_measurements(spec, log) -> IngestResult:
    """Numeric sequences or recordings from ``spec.data.sources``, split and checked,
    with their rejects (file, place, reason) and statistics. Writes nothing. Raises
    DataError when a source is missing or unreadable or no training record was read."""
    kind = spec.input.kind
    records = {s: [] for s in SPLITS}
    keys: dict[int, str] = {}
    rejects, reasons = [], collections.Counter()
    width, seen = None, 0
    for i, source in enumerate(spec.data.sources):
        fmt = source_format(source, kind)
        pattern = re.compile(source.name_pattern) if source.name_pattern else None
        log.info("ingest: reading %s (%s, %s input)", source.path, fmt, kind)
        for name, where, row in source_rows(source, i, kind):
            seen += 1
            try:
                if isinstance(row, RowError):
                    raise Reject(row.reason)
                record, split, key = make_record(row, source, spec, fmt, pattern)
                if "sequence" in record:
                    width = width or len(record["sequence"][0])
                    if len(record["sequence"][0]) != width:
                        raise Reject(f"wrong number of features: {len(record['sequence'][0])}"
                                     f" a step, the sequences before have {width}")
            except Reject as exc:
                reason = str(exc)
                raw = row.raw if isinstance(row, RowError) else _raw(row)
                rejects.append({"file": name, "line": where, "reason": reason, "raw": raw})
                reasons[reason.split(" (")[0].split(":")[0]] += 1
                continue
            if split is not None:
                keys[id(record)] = key
                records[split].append(record)
    limit_per_split(records, spec.data.max_records_per_split, spec.seed,
                    lambda r: keys[id(r)])
    if not records["train"]:
        first = (f" first: {rejects[0]['file']} {rejects[0]['line']}: "
                 f"{rejects[0]['reason']}") if rejects else ""
        raise DataError(f"ingest: no training records were read from {seen} item(s); "
                        f"{len(rejects)} rejected.{first}")
    return measurement_result(spec, records, rejects, reasons, seen)


def _raw(row) -> str:
    if isinstance(row, dict):
        row = {k: v for k, v in row.items() if k != "bytes"}
        if "sequence" in row:
            row["sequence"] = str(row["sequence"])[:100]
    return str(row)[:300]


def record_length(record: dict) -> float:
    """Steps of a numeric record, seconds of an audio one."""
    return len(record["sequence"]) if "sequence" in record else record["seconds"]


def measurement_result(spec, records: dict, rejects: list, reasons, seen: int,
                       extra_stats: dict | None = None) -> IngestResult:
    """The IngestResult of measurement records: counts, labels and length distributions
    per split, the length histogram, the metrics the stage logs."""
    import numpy as np

    unit = "seconds" if spec.input.kind == "audio" else "steps"
    stats = {"rows_read": seen, "rejected": len(rejects), "reject_reasons": dict(reasons),
             "input_kind": spec.input.kind, "splits": {}, **(extra_stats or {})}
    lengths = {}
    for split in SPLITS:
        rows = records[split]
        lengths[split] = np.array([record_length(r) for r in rows], dtype=np.float64)
        stats["splits"][split] = {
            "records": len(rows),
            "labels": dict(collections.Counter(r["label"] for r in rows if "label" in r)),
            unit: _distribution(lengths[split]),
        }
        if rows and "sequence" in rows[0]:
            stats["splits"][split]["features"] = len(rows[0]["sequence"][0])
    return IngestResult.of_records(
        records, rejects, stats, lengths, unit=unit,
        rejected_what="item(s)" if spec.input.kind == "audio" else "sequence(s)")


def _distribution(values) -> dict:
    from seqkeras.ingest.stats import distribution

    if not len(values):
        return {}
    out = distribution(values)
    out["min"], out["max"] = float(values.min()), float(values.max())
    return out
