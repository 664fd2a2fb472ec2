"""Long CSV: one row a step, a column naming the sequence each row belongs to.

``id,step,acc_x,acc_y,label`` rows become one row per sequence id (in order of first
appearance), ``{"sequence": [T][F] floats, "sequence_id": id, <other columns>}``:
steps ordered by ``step_field`` (numerically when every value is a number, else as
text; file order without one), features from ``feature_fields`` (default: every column
that is not the id, the step or an ``exclude``-d column such as the label). A column
outside the features that keeps one value over a sequence stays a value; one that
changes becomes a list with one value a step (per-step tags). A sequence with a value
that is not a number is one RowError naming its line and column. Registered as format
``long_csv`` (``read_long_csv`` takes the field options as keywords).
"""

from __future__ import annotations

import math

from seqkeras.io.readers import RowError, read_csv, read_tsv, register_reader


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(text)
    return value


def _column(names: list, field):
    if isinstance(field, int):
        return names[field] if -len(names) <= field < len(names) else None
    return field if field in names else None


@register_reader("long_csv")
def read_long_csv(stream, header: bool = True, delimiter: str | None = None, *,
                  sequence_field=None, step_field=None, feature_fields=None, exclude=()):
    """Yield ``(first line, row)`` per sequence or ``(line, RowError)``.

    ``sequence_field`` (required) and ``step_field`` are column names (or indexes);
    ``exclude``: columns that are never features (label, split). Raises ValueError
    when ``sequence_field`` is None; a missing column is a RowError on the first row.
    """
    if sequence_field is None:
        raise ValueError("long_csv needs sequence_field (the column naming each sequence)")
    rows = (read_tsv if delimiter == "\t" else read_csv)(stream, header=header,
                                                         delimiter=delimiter)
    groups: dict = {}
    names = features = None
    for line, row in rows:
        if isinstance(row, RowError):
            yield line, row
            continue
        if isinstance(row, list):
            row = dict(enumerate(row))
        if names is None:
            names = list(row)
            id_col, step_col = _column(names, sequence_field), _column(names, step_field)
            skip = {id_col, step_col} | {_column(names, f) for f in exclude if f is not None}
            features = ([_column(names, f) for f in feature_fields] if feature_fields
                        else [n for n in names if n not in skip])
            missing = [f for f, c in zip(feature_fields or (), features) if c is None]
            if id_col is None or (step_field is not None and step_col is None) or missing:
                absent = [f for f, c in ((sequence_field, id_col), (step_field, step_col))
                          if f is not None and c is None] + missing
                yield line, RowError(f"no column {absent[0]!r} (columns: "
                                     f"{', '.join(map(str, names))})", str(row)[:200])
                return
        group = groups.setdefault(row[id_col], {"line": line, "rows": []})
        group["rows"].append((line, row))
    for key, group in groups.items():
        yield group["line"], _sequence(key, group["rows"], features, step_col,
                                       [n for n in names if n not in features])


def _sequence(key, rows, features, step_col, others):
    if step_col is not None:
        steps = [r[step_col] for _, r in rows]
        try:
            order = [float(s) for s in steps]
        except ValueError:
            order = steps
        rows = [r for _, r in sorted(zip(order, rows), key=lambda x: x[0])]
    values = []
    for line, row in rows:
        try:
            values.append([_number(row[f]) for f in features])
        except (ValueError, TypeError):
            bad = next(f for f in features if not _is_number(row[f]))
            return RowError(f"line {line}: column {bad!r} is not a number: {row[bad]!r} "
                            f"(sequence {key!r} rejected)", str(row)[:200])
    out = {"sequence": values, "sequence_id": key}
    for name in others:
        column = [r[name] for _, r in rows]
        out[name] = column[0] if len(set(column)) == 1 else column
    return out


def _is_number(text) -> bool:
    try:
        _number(text)
        return True
    except (ValueError, TypeError):
        return False
