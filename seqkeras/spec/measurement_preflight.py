"""``seqkeras validate`` for measurement sources: the first items read as ingest reads them.

The first :data:`PEEK_ITEMS` rows or recordings of a source go through the same code
ingest runs (``seqkeras.ingest.measurements.make_record``); a source none of whose first
items would become a record is a problem naming the first item's reason, e.g. every
recording at 16 kHz when ``input.sample_rate`` says 8 kHz, or a ``name_pattern`` that
matches no file. Single bad items are left to ingest, which rejects and counts them.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import itertools
import re

from seqkeras.errors import DataError
from seqkeras.spec.problems import Problem

#: Items read from each measurement source by ``seqkeras validate``.
PEEK_ITEMS = 20


def measurement_problems(spec, loc: tuple, source) -> list[Problem]:
    """Problems of one measurement source (``loc``: its key path)."""
    from seqkeras.ingest.measurements import Reject, make_record, source_format, source_rows
    from seqkeras.io.readers import RowError

    config = getattr(spec, "input", None)
    if config is None or config.kind == "text":
        return []  # the format's own problem is reported by the schema checks
    try:
        fmt = source_format(source, config.kind)
        pattern = re.compile(source.name_pattern) if source.name_pattern else None
        rows = list(itertools.islice(source_rows(source, loc[-1], config.kind), PEEK_ITEMS))
    except (DataError, ValueError) as exc:
        return [Problem(loc + ("path",), str(exc))]
    except OSError as exc:
        return [Problem(loc + ("path",), f"cannot read {source.path}: {exc}")]
    reasons = []
    for name, where, row in rows:
        try:
            if isinstance(row, RowError):
                raise Reject(row.reason)
            make_record(row, source, spec, fmt, pattern)
            return []
        except Reject as exc:
            reasons.append(f"{name} {where}: {exc}")
    if not reasons:
        return [Problem(loc + ("path",), f"{source.path}: no records in it")]
    key = "name_pattern" if "name_pattern" in reasons[0] else "path"
    return [Problem(loc + (key,), f"none of the first {len(reasons)} items would be read; "
                                  f"first: {reasons[0]}")]
