"""Checks of a valid spec against its data, run by ``load_spec`` before any stage.

Cheap and bounded: each source is resolved, an archive's member is chosen the way
ingest will choose it, and the first :data:`PEEK_ROWS` rows of each record source are
read to see that the fields the topology reads are there and that the fields a text
tokenizer splits hold text. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

from seqkeras.errors import DataError
from seqkeras.io import paths
from seqkeras.io.archives import choose_member
from seqkeras.io.values import numbers_list
from seqkeras.spec.problems import Problem

#: Rows read from each source by ``seqkeras validate``.
PEEK_ROWS = 50


def split_problems(spec) -> list[Problem]:
    """``split: {val: 0, test: 0}`` leaves records that take their split from the
    fractions nothing to validate or test on."""
    split = spec.data.split
    uses_fractions = any(s.split is None and s.split_field is None for s in spec.data.sources)
    if uses_fractions and split.val == 0 and split.test == 0:
        return [Problem(("data", "split"), "val and test are both 0: no records to validate "
                                           "or test on; give each a share, e.g. {val: 0.1, "
                                           "test: 0.1}")]
    return []


def export_problems(spec) -> list[Problem]:
    """``export.base_dir`` must lead to a folder this process can write: a file on the way
    (or a read-only folder) would fail the export stage after all the training."""
    import os

    base = Path(spec.export.base_dir) / spec.name
    existing = base
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return [Problem(("export", "base_dir"), f"{existing} is a file, not a folder: exports "
                        f"go to {base}/<version>; choose another export.base_dir")]
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        return [Problem(("export", "base_dir"), f"cannot write in {existing} (exports go to "
                        f"{base}/<version>); choose a folder you can write")]
    return []


def data_problems(spec) -> list[Problem]:
    """Missing files, unclear archive members and unusable fields, per source."""
    problems = []
    for i, source in enumerate(spec.data.sources):
        loc = ("data", "sources", i)
        try:
            path = paths.resolve(source.path)
            if not path.exists():
                problems.append(Problem(loc + ("path",), paths.describe_missing(source.path)))
                continue
        except DataError as exc:
            problems.append(Problem(loc + ("path",), str(exc)))
            continue
        if measured(spec, source):
            from seqkeras.spec.measurement_preflight import measurement_problems

            problems += measurement_problems(spec, loc, source)
            continue
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    choose_member(path, archive.namelist(), source.member)
            except zipfile.BadZipFile:
                problems.append(Problem(loc + ("path",), f"{path} is not a zip archive"))
                continue
            except DataError as exc:
                problems.append(Problem(loc + ("member",), str(exc)))
                continue
        problems += peek_problems(spec, loc, source, path)
        problems += column_problems(spec, loc, source, path)
    return problems


def first_rows(source, path: Path) -> tuple[str, list]:
    """(the name ingest gives the file, its first :data:`PEEK_ROWS` readable ``(line,
    row)`` pairs), read the way ingest reads ``source``. Raises what the readers raise
    (DataError for an unreadable format, OSError, UnicodeError ...)."""
    from seqkeras.io.readers import READERS, RowError, detect_format, open_text

    with open_text(path, source.member, source.encoding) as (stream, name):
        fmt = source.format if source.format != "auto" else detect_format(name.split("!")[-1])
        rows = [(line, row) for line, row in itertools.islice(
            READERS[fmt](stream, header=source.header, delimiter=source.delimiter),
            PEEK_ROWS) if not isinstance(row, RowError)]
    return name, rows


def column_problems(spec, loc: tuple, source, path: Path) -> list[Problem]:
    """The columns ``spec.source_columns()`` names that the source's first row (its
    header) lacks, each with the source's columns and the closest one."""
    import difflib

    wanted = spec.source_columns()
    if not wanted:
        return []
    try:
        name, rows = first_rows(source, path)
    except (DataError, OSError, UnicodeError, EOFError, zipfile.BadZipFile):
        return []  # ingest says what is wrong with the file itself
    first = rows[0][1] if rows else None
    if not isinstance(first, dict):
        return []  # no header row: columns are numbers, ingest checks them
    problems = []
    for key, column in wanted:
        if column in first:
            continue
        close = difflib.get_close_matches(column, list(first), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(Problem(key, f"no column {column!r} in {name}{hint}; its columns: "
                                     f"{', '.join(map(str, first))}"))
    return problems


def measured(spec, source) -> bool:
    """Whether ``source`` holds measurements (its format, or the pipeline's input kind)."""
    from seqkeras.spec.inputs import MEASUREMENT_FORMATS

    config = getattr(spec, "input", None)
    return source.format in MEASUREMENT_FORMATS or (config is not None and
                                                    config.kind != "text")


def _fields_read(spec, source) -> list[str]:
    """The source keys (text_field, ...) whose fields ingest reads from every row."""
    out = []
    for key in type(spec).RECORD_FIELDS:
        if getattr(source, key, None) is None:
            continue
        if (key == "label_field" and (source.label is not None or label_optional(spec, source))
                or key == "split_field" and source.split is not None):
            continue
        out.append(key)
    return out


def label_optional(spec, source) -> bool:
    """Whether ``source``'s label is read only where a row has one: its ``label_field``
    is at its default and the topology needs no label (``LABEL_OPTIONAL``)."""
    return type(spec).LABEL_OPTIONAL and "label_field" not in source.model_fields_set


def peek_problems(spec, loc: tuple, source, path: Path) -> list[Problem]:
    """Read the first rows of one source; report fields absent from all of them and
    text fields holding lists of numbers."""
    from seqkeras.io.readers import get_field

    keys = _fields_read(spec, source)
    if not keys:
        return []
    try:
        name, rows = first_rows(source, path)
    except DataError as exc:
        return [Problem(loc + ("format",), str(exc))]
    except (OSError, UnicodeError, EOFError, zipfile.BadZipFile) as exc:
        return [Problem(loc + ("path",), f"cannot read {path}: {exc}")]
    problems = []
    for key in keys:
        field = getattr(source, key)
        found = []
        for line, row in rows:
            if isinstance(row, dict) and numbers_list(row.get(field)):
                found.append((line, row[field]))  # present, but not text: said below
                continue
            try:
                get_field(row, field)
                found.append((line, row[field]))
            except KeyError as exc:
                reason = exc.args[0]
        if rows and not found:
            fix = "" if key == "text_field" else " or null"
            problems.append(Problem(loc + (key,), (
                f"{field!r} is in none of the first {len(rows)} rows of {name} ({reason}; "
                f"{_fields_of(rows[0][1])}): set {key} to one of them{fix}"
                f"{_NO_HEADER_HINT if _looks_like_index(field, source) else ''}")))
            continue
        if key in type(spec).TEXT_FIELDS:
            for line, value in found:
                if numbers_list(value):
                    shown = str(value) if len(str(value)) < 40 else str(value)[:37] + "..."
                    problems.append(Problem(loc + (key,), (
                        f"{name}:{line}: field {field!r} holds a list of numbers ({shown}), "
                        "not text: a text tokenizer would split it into '[', '1', ... tokens; "
                        f"point {key} at a text field (topology sequence_prediction reads "
                        "numbers)")))
                    break
    return problems


_NO_HEADER_HINT = ("; a file without a header row needs `header: false` on the source, "
                   "then fields are column numbers (0 is the first)")


def _looks_like_index(field, source) -> bool:
    """A column number given for a file read with a header row: the usual mistake with a
    header-less TSV (the first data row is taken for the column names)."""
    return source.header and (isinstance(field, int) or str(field).isdigit())


def _fields_of(row) -> str:
    if isinstance(row, list):
        return f"rows there have columns 0..{len(row) - 1}"
    names = [str(k) for k in row if isinstance(k, str)]
    return f"fields there: {', '.join(names[:12])}"
