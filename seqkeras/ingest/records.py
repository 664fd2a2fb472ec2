"""Text records from csv / tsv / jsonl / text / columns / conll sources (the default reader).

Each row becomes ``{"text", "label"?, "target"?}`` or, from a CoNLL file, ``{"tokens",
"tags"}``; a row that cannot be used is a reject with its file, line and reason, never
dropped silently. Records without a split from their source get a seeded split from a
hash of their text (:mod:`seqkeras.ingest.splits`), so duplicates never straddle splits.
Parsing the file formats is :mod:`seqkeras.io.readers`' job; this module turns rows into
records. It writes nothing: the ingest stage writes what it returns.
"""

from __future__ import annotations

import collections
import time

import numpy as np

from seqkeras.constants import SPLITS
from seqkeras.errors import DataError
from seqkeras.ingest.result import IngestResult
from seqkeras.ingest.splits import assign_split, hash_fraction, limit_per_split
from seqkeras.ingest.stats import distribution
from seqkeras.io import paths
from seqkeras.io.readers import READERS, RowError, detect_format, get_field, open_text
from seqkeras.io.values import numbers_list, numbers_list_reason
from seqkeras.spec.preflight import label_optional

#: Log a progress line every this many rows.
PROGRESS_EVERY = 20_000


def read_source(source, index: int, spec, log):
    """Yield ``("ok", split, record, "file:line")`` or ``("reject", file, line, reason,
    raw)`` for each row of ``spec.data.sources[index]`` (``source``). Raises DataError
    when the file is missing; the readers raise DataError for an unreadable file."""
    path = paths.resolve(source.path)
    if not path.exists():
        raise DataError(f"data.sources[{index}].path: {paths.describe_missing(source.path)}")
    data = spec.data
    split_values = data.split_mapping()
    optional_label = label_optional(spec, source)
    with open_text(path, source.member, source.encoding) as (stream, name):
        # for an archive, the member's name (known only once opened) tells the format
        fmt = source.format if source.format != "auto" else detect_format(name.split("!")[-1])
        reader = READERS[fmt]
        log.info("ingest: reading %s (%s)", name, fmt)
        for line, row in reader(stream, header=source.header, delimiter=source.delimiter):
            if isinstance(row, RowError):
                yield "reject", name, line, row.reason, row.raw
                continue
            try:
                text = get_field(row, source.text_field)
                label = source.label if source.label is not None else (
                    _label(row, source.label_field, optional_label)
                    if source.label_field is not None else None)
                target = (get_field(row, source.target_field)
                          if source.target_field is not None else None)
                split_value = (get_field(row, source.split_field)
                               if source.split is None and source.split_field is not None
                               else None)
            except KeyError as exc:
                yield "reject", name, line, exc.args[0], _raw(row)
                continue
            if isinstance(text, list):  # a tagged sequence (conll): tokens and one tag each
                record = {"tokens": text}
                if label is not None:
                    record["tags"] = to_iob2(label) if data.tag_scheme == "iob2" else label
                text, label = " ".join(text), None
            else:
                record = {}
                fields = ((source.text_field, text), (source.target_field, target))
                numeric = [f for f, v in fields if v is not None and numbers_list(v)]
                if numeric:  # text tokenizers would split "[1.05, 2]" into "[", "1" ...
                    yield "reject", name, line, numbers_list_reason(numeric[0]), _raw(row)[:200]
                    continue
            problem = None
            for what, value, max_chars in (("text", text, data.max_chars), ("label", label, None),
                                           ("target", target, data.max_chars)):
                problem = problem or _field_problem(what, value, max_chars)
            if problem:
                reason, too_long = problem  # a too-long row is kept shorter in the rejects
                yield "reject", name, line, reason, _raw(row)[:200] if too_long else _raw(row)
                continue
            text = text.strip()
            label = label.strip() if label is not None else None
            target = target.strip() if target is not None else None
            if source.split is not None:
                split = source.split
            elif split_value is not None:
                split = split_values.get(split_value.strip())
                if split is None:
                    yield "reject", name, line, (
                        f"unknown split value {split_value!r} (map it in data.split_values)"), _raw(row)
                    continue
                if split == "drop":
                    continue
            else:
                split = assign_split(hash_fraction(spec.seed, text), data.split.val,
                                     data.split.test)
            if "tokens" not in record:
                record["text"] = text
            if label is not None:
                record["label"] = label
            if target is not None:
                record["target"] = target
            yield "ok", split, record, f"{name}:{line}"


def record_text(record: dict) -> str:
    """A record's text: ``text``, or its ``tokens`` joined by spaces."""
    return record["text"] if "text" in record else " ".join(record["tokens"])


def to_iob2(tags: list[str]) -> list[str]:
    """IOB1 -> IOB2: an I-X that does not continue an X entity starts one (B-X).
    A new list of the same length; other tags are kept as they are."""
    out, previous = [], "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return out


def _label(row, field, optional: bool):
    """The row's label; None when it has none and the label is ``optional``."""
    try:
        return get_field(row, field)
    except KeyError:
        if optional:
            return None
        raise


def _field_problem(what: str, value: str | None,
                   max_chars: int | None) -> tuple[str, bool] | None:
    """(why the row's ``what`` field (text, label or target) cannot be used, whether it
    is because it is too long), or None (also when the field is absent: ``value`` None)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return f"empty {what}", False
    if max_chars is not None and len(value) > max_chars:
        return f"{what} longer than data.max_chars ({max_chars})", True
    return None


def _raw(row) -> str:
    return str(row)[:500]


def read_records(spec, log) -> IngestResult:
    """Text records ({text, label[, target]}) or tagged sequences ({tokens, tags}) from
    ``spec.data.sources``, split and checked, with their rejects and statistics.

    Every row a reader cannot use becomes a reject (file, line, reason, raw text);
    ``data.max_records_per_split`` samples each split. Writes nothing. Raises DataError
    when a source is missing or no training record was read.
    """
    records = {s: [] for s in SPLITS}
    rejects, reject_reasons = [], collections.Counter()
    started, seen = time.monotonic(), 0
    for i, source in enumerate(spec.data.sources):
        for item in read_source(source, i, spec, log):
            seen += 1
            if seen % PROGRESS_EVERY == 0:
                log.info("ingest: %d rows read (%.0f rows/s)", seen,
                         seen / max(time.monotonic() - started, 1e-9))
            if item[0] == "reject":
                _, name, line, reason, raw = item
                rejects.append({"file": name, "line": line, "reason": reason, "raw": raw})
                reject_reasons[reason.split(" (")[0]] += 1
            else:
                _, split, record, _origin = item
                records[split].append(record)

    limit_per_split(records, spec.data.max_records_per_split, spec.seed, record_text)
    if not records["train"]:
        reasons = "; ".join(f"{n} x {r}" for r, n in reject_reasons.most_common(3))
        first = f" first: {rejects[0]['file']}:{rejects[0]['line']}: {rejects[0]['reason']}" \
            if rejects else ""
        raise DataError(f"ingest: no training records were read from {seen} row(s); "
                        f"{len(rejects)} rejected ({reasons or 'none'}).{first}")

    warn_empty_shares(spec, records, log)
    stats = {"rows_read": seen, "rejected": len(rejects),
             "reject_reasons": dict(reject_reasons), "splits": {}}
    lengths = {}
    for split in SPLITS:
        rows = records[split]
        texts = [record_text(r) for r in rows]
        chars = np.array([len(t) for t in texts]) if rows else np.zeros(0)
        words = np.array([len(t.split()) for t in texts]) if rows else np.zeros(0)
        lengths[split] = words
        stats["splits"][split] = {
            "records": len(rows),
            "labels": dict(collections.Counter(r.get("label") for r in rows if "label" in r)),
            "tags": dict(collections.Counter(t for r in rows for t in r.get("tags", []))),
            "chars": distribution(chars),
            "words": distribution(words),
        }
    return IngestResult.of_records(records, rejects, stats, lengths,
                                   unit="whitespace-separated words")


def warn_empty_shares(spec, records: dict, log) -> None:
    """Log a WARNING for val or test when ``data.split`` gives it a share but it got no
    record: its metrics would be NaN (test) or missing (val), and the export takes its
    example requests from the training split. Records without a split are split by a
    hash of their text, so copies of one text all land in one split."""
    if not any(s.split is None and s.split_field is None for s in spec.data.sources):
        return  # every record's split comes from its source
    for name in ("val", "test"):
        share = getattr(spec.data.split, name)
        if share > 0 and not records[name]:
            distinct = len({record_text(r) for rows in records.values() for r in rows})
            log.warning("WARNING: ingest: the %s split is empty although data.split.%s is "
                        "%g: records without a split are split by a hash of their text and "
                        "the %d record(s) have %d distinct text(s); add distinct records or "
                        "give the sources a split (split_field or split)", name, name, share,
                        sum(len(rows) for rows in records.values()), distinct)
