"""Reading JSB chorales: a JSON file of chorales per split -> records, rejects, statistics.

The file has the Boulanger-Lewandowski (2012) layout, ``{"train": [...], "valid": [...],
"test": [...]}``, each chorale a list of time steps, each step a list of MIDI pitches.
The file's own split is kept (keys mapped through ``data.split_values``). A chorale with
a malformed step is rejected whole (file, split, chorale index, reason). Records:
``{"id": "train/12", "steps": [[60, 64, 67], ...]}``. Nothing is written here: the ingest
stage writes the returned :class:`~seqkeras.ingest.result.IngestResult`.
"""

from __future__ import annotations

import collections
import functools
import json

import numpy as np

from seqkeras import plots
from seqkeras.constants import SPLITS
from seqkeras.errors import DataError
from seqkeras.ingest.result import IngestResult, split_counts
from seqkeras.ingest.splits import limit_per_split
from seqkeras.ingest.stats import distribution
from seqkeras.io import paths
from seqkeras.io.readers import open_text
from seqkeras.topologies.piano_roll import music


def check_chorale(chorale) -> str | None:
    """Why a chorale (a list of time steps of MIDI pitches) is malformed; None if it is not."""
    if not isinstance(chorale, list):
        return f"a chorale must be a list of time steps, got {type(chorale).__name__}"
    if not chorale:
        return "empty chorale"
    for t, step in enumerate(chorale):
        reason = music.check_step(step)
        if reason:
            return f"step {t}: {reason}"
    return None


def read_chorales(source, index: int, spec):
    """Yield ``("ok", split, record)`` or ``("reject", reject dict)`` for each chorale of
    ``spec.data.sources[index]`` (``source``). Raises DataError when the file is missing,
    is not JSON, has another layout or a split key ``data.split_values`` does not map."""
    path = paths.resolve(source.path)
    if not path.exists():
        raise DataError(f"data.sources[{index}].path: {paths.describe_missing(source.path)}")
    if source.format != "auto":
        raise DataError(f"data.sources[{index}]: topology piano_roll reads JSON files of "
                        f"chorales (format: auto), not {source.format!r}")
    mapping = spec.data.split_mapping()
    with open_text(path, source.member, source.encoding) as (stream, name):
        try:
            data = json.load(stream)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    layout = ('expected {"train": [...], "valid": [...], "test": [...]}, each a list of '
              'chorales, a chorale a list of time steps, a step a list of MIDI pitches')
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise DataError(f"{name}: {layout}; got {type(data).__name__}")
    for key, chorales in data.items():
        split = source.split or mapping.get(key)
        if split is None:
            raise DataError(f"{name}: unknown split {key!r} (map it in data.split_values); "
                            f"{layout}")
        if split == "drop":
            continue
        for j, chorale in enumerate(chorales):
            reason = check_chorale(chorale)
            if reason:
                yield "reject", {"file": name, "split": key, "chorale": j, "reason": reason,
                                 "raw": json.dumps(chorale)[:500]}
            else:
                yield "ok", split, {"id": f"{key}/{j}", "steps": chorale}


def read_chorale_records(spec, log) -> IngestResult:
    """Every source's chorales, split by the file, sampled by
    ``data.max_records_per_split``, with rejects and per-split statistics (chorales, time
    steps, notes a step, pitch range). Raises DataError as :func:`read_chorales` does, and
    when no training chorale was read."""
    records = {s: [] for s in SPLITS}
    rejects = []
    for i, source in enumerate(spec.data.sources):
        log.info("ingest: reading %s (chorales JSON)", source.path)
        for item in read_chorales(source, i, spec):
            if item[0] == "reject":
                rejects.append(item[1])
            else:
                records[item[1]].append(item[2])
    limit_per_split(records, spec.data.max_records_per_split, spec.seed,
                    lambda r: r["id"])
    if not records["train"]:
        first = f"; first: {rejects[0]['file']} {rejects[0]['split']}[{rejects[0]['chorale']}]" \
            f": {rejects[0]['reason']}" if rejects else ""
        raise DataError(f"ingest: no training chorale was read ({len(rejects)} rejected"
                        f"{first})")
    reasons = collections.Counter(r["reason"].split(": ", 1)[-1].split(" (")[0]
                                  for r in rejects)
    stats = {"rejected": len(rejects), "reject_reasons": dict(reasons), "splits": {}}
    lengths = {}
    for split in SPLITS:
        rows = records[split]
        lengths[split] = np.array([len(r["steps"]) for r in rows])
        notes = [len(s) for r in rows for s in r["steps"]]
        pitches = [p for r in rows for s in r["steps"] for p in s]
        stats["splits"][split] = {
            "chorales": len(rows), "steps": int(sum(lengths[split])),
            "length": distribution(lengths[split]) if rows else {},
            "notes_per_step": {str(k): v for k, v in
                               sorted(collections.Counter(notes).items())},
            "pitch_range": [min(pitches), max(pitches)] if pitches else None}
    counts = split_counts(records)
    steps = {s: stats["splits"][s]["steps"] for s in SPLITS}
    return IngestResult(
        records=records, rejects=rejects, stats=stats,
        metrics={f"ingest_{s}_records": n for s, n in counts.items()}
        | {f"ingest_{s}_steps": n for s, n in steps.items()}
        | {"ingest_rejected_rows": len(rejects)},
        summary={"records": counts, "rejected": len(rejects)},
        plots={"lengths.png": functools.partial(plots.length_histogram, lengths,
                                                unit="time steps (quarter notes)")},
        rejected_what="malformed chorale(s)",
        split_line=", ".join(f"{s} {counts[s]} chorales / {steps[s]} steps" for s in SPLITS))
