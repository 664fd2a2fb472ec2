"""The UEA/sktime ``.ts`` format of multivariate time-series classification archives.

Layout (as in ``BasicMotions_TRAIN.ts``): ``#`` comment lines, ``@`` header lines
(``@problemName``, ``@timeStamps``, ``@classLabel true Standing Running ...``) up to
``@data``, then one case a line: the channels separated by ``:``, each a
comma-separated list of values, and, when ``@classLabel`` is true, the class label
after the last ``:``. ``?`` is a missing value (read as NaN; ingest rejects it).
Time-stamped cases (``@timeStamps true``, ``(t,v)`` pairs) are refused as a whole file.

Each case becomes a row ``{"sequence": [[c1, c2, ...], ...], "label": ...}`` with one
inner list per step (``[T, F]``: T steps, F channels), registered as format ``ts``.
"""

from __future__ import annotations

import math

from seqkeras.errors import DataError
from seqkeras.io.readers import RowError, register_reader


def _values(text: str) -> list[float]:
    out = []
    for v in text.split(","):
        v = v.strip()
        out.append(math.nan if v == "?" else float(v))
    return out


@register_reader("ts")
def read_ts(stream, header: bool = True, delimiter: str | None = None):
    """Yield ``(line, {"sequence": [T][F] floats, "label": str})`` per case (no ``label``
    when ``@classLabel false``), or a RowError for a case that cannot be parsed (a
    value that is not a number, channels of different lengths). Raises DataError for a
    time-stamped file or one without ``@data``."""
    labelled, in_data = True, False
    for line_number, line in enumerate(stream, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise DataError(f"line {line_number}: expected a '@' header line or @data "
                                f"before the cases of a .ts file, found {line[:40]!r}")
            key, _, value = line[1:].partition(" ")
            key, value = key.lower(), value.strip().lower()
            if key == "timestamps" and value.startswith("true"):
                raise DataError("time-stamped .ts files ((t, v) pairs) are not supported; "
                                "export the series without time stamps")
            if key == "classlabel":
                labelled = value.startswith("true")
            in_data = key == "data"
            continue
        parts = line.split(":")
        label = parts.pop().strip() if labelled else None
        try:
            channels = [_values(p) for p in parts]
        except ValueError as exc:
            yield line_number, RowError(f"not a number: {exc}", line[:200])
            continue
        lengths = {len(c) for c in channels}
        if not channels or len(lengths) != 1:
            yield line_number, RowError(
                f"channels of different lengths ({sorted(lengths)}); unequal-length "
                "channels are not supported", line[:200])
            continue
        row = {"sequence": [list(step) for step in zip(*channels)]}
        if label is not None:
            row["label"] = label
        yield line_number, row
    if not in_data:
        raise DataError("no @data line: not a .ts file")
