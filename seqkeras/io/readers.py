"""Record readers, one per file format, registered by name.

A reader turns a text stream into ``(line_number, row)`` pairs, where a row is a dict
(files with named fields) or a list (files addressed by column index). A row the
reader cannot parse is yielded as a ``RowError`` so ingest can count and keep it.

Nothing is changed silently: a UTF-8 byte-order mark is dropped (it is not data); a
row with bytes that are not valid in the file's encoding, or with a NUL character, is
a ``RowError`` naming the field; a CSV quote that never closes rejects its own line,
never the rows after it; and a compressed file that ends early or is corrupt stops
the read with a ``DataError`` naming the file and line, rather than a bare EOFError.
Every reader's rows go through :func:`register_reader`'s checks, so a new format
gets them too; the checks themselves are in ``seqkeras.io.streams``.
"""

from __future__ import annotations

import csv
import functools
import gzip
import json
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Union

from seqkeras.errors import DataError
from seqkeras.io.archives import choose_member
from seqkeras.io.streams import RowError, printable, records, text_problem, text_stream
from seqkeras.io.values import numbers_list, numbers_list_reason

Row = Union[dict, list]


READERS: dict[str, Callable[..., Iterator[tuple[int, Union[Row, RowError]]]]] = {}


def register_reader(name: str):
    """Register a reader; its rows are checked for undecodable bytes and NULs."""
    def wrap(fn):
        @functools.wraps(fn)
        def checked(stream, *args, **kwargs):
            for line, row in fn(stream, *args, **kwargs):
                if isinstance(row, RowError):
                    row = RowError(row.reason, printable(row.raw))
                else:
                    problem = text_problem(row)
                    if problem:
                        row = RowError(problem, printable(_flat(row)))
                yield line, row
        READERS[name] = checked
        return checked
    return wrap


def _flat(row) -> str:
    values = row.values() if isinstance(row, dict) else row
    return " | ".join(" ".join(v) if isinstance(v, list) else str(v) for v in values)[:500]


_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                   ".ndjson": "jsonl", ".json": "jsonl", ".txt": "text"}


def detect_format(name: str) -> str:
    suffixes = [s for s in Path(name).suffixes if s.lower() not in (".gz", ".zip")]
    fmt = _SUFFIX_FORMATS.get(suffixes[-1].lower()) if suffixes else None
    if fmt is None:
        raise DataError(f"{name}: cannot tell the format from the file name; "
                        f"set 'format' to one of {', '.join(sorted(READERS))}")
    return fmt


@contextmanager
def _zip(path: Path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DataError(f"{path}: not a readable zip archive ({exc}); the file may be "
                        "truncated") from None
    with archive:
        yield archive


@contextmanager
def open_text(path: Path, member: str | None = None, encoding: str = "utf-8"):
    """Open a plain, gzip or zip file as text. Yields (stream, display name)."""
    if Path(path).is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with _zip(path) as archive:
            member = choose_member(path, archive.namelist(), member)
            with archive.open(member) as raw:
                yield text_stream(raw, encoding, f"{path}!{member}"), f"{path}!{member}"
    elif suffix == ".gz":
        with gzip.open(path, "rb") as raw:
            yield text_stream(raw, encoding, str(path)), str(path)
    else:
        with open(path, "rb") as raw:
            yield text_stream(raw, encoding, str(path)), str(path)


def _delimited(stream, delimiter: str, header: bool, quoting=csv.QUOTE_MINIMAL):
    names = None
    for line, fields, lines in records(stream, delimiter, quoting):
        if isinstance(fields, RowError):
            yield line, fields
            continue
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if header and names is None:
            names = fields
            continue
        if names is not None and len(fields) != len(names):
            reason = f"expected {len(names)} fields, found {len(fields)}"
            if lines > 1:
                reason += (f" (a quoted field opened on this line spans {lines} lines; "
                           "probably an unclosed quote)")
            yield line, RowError(reason, delimiter.join(fields))
            continue
        yield line, dict(zip(names, fields)) if names is not None else fields


@register_reader("csv")
def read_csv(stream, header: bool = True, delimiter: str | None = None):
    yield from _delimited(stream, delimiter or ",", header)


@register_reader("tsv")
def read_tsv(stream, header: bool = True, delimiter: str | None = None):
    yield from _delimited(stream, delimiter or "\t", header, quoting=csv.QUOTE_NONE)


@register_reader("jsonl")
def read_jsonl(stream, header: bool = True, delimiter: str | None = None):
    for line_number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_number, RowError(f"invalid JSON: {exc.msg}", line.rstrip("\n"))
            continue
        if not isinstance(row, dict):
            yield line_number, RowError("expected a JSON object", line.rstrip("\n"))
            continue
        yield line_number, row


@register_reader("text")
def read_text(stream, header: bool = False, delimiter: str | None = None):
    """One record per non-empty line, available as field 'text' or column 0."""
    for line_number, line in enumerate(stream, 1):
        line = line.rstrip("\r\n")
        if line.strip():
            yield line_number, {"text": line, 0: line}


@register_reader("columns")
def read_columns(stream, header: bool = False, delimiter: str | None = None):
    """Whitespace- (or delimiter-) separated columns addressed by index."""
    for line_number, line in enumerate(stream, 1):
        line = line.rstrip("\r\n")
        if line.strip():
            yield line_number, line.split(delimiter) if delimiter else line.split()


@register_reader("conll")
def read_conll(stream, header: bool = False, delimiter: str | None = None):
    """CoNLL column files: one token a line, a blank line between sentences,
    ``-DOCSTART-`` lines skipped. Yields one row per sentence: a list of columns,
    each a list of strings (column 0 = the tokens), at the sentence's first line."""
    columns: list[list[str]] = []
    start, broken = 0, False
    for line_number, line in enumerate(stream, 1):
        line = line.rstrip("\r\n")
        fields = line.split(delimiter) if delimiter else line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if columns and not broken:
                yield start, columns
            columns, broken = [], False
            continue
        if broken:
            continue  # the rest of a sentence already rejected
        if not columns:
            start, columns = line_number, [[] for _ in fields]
        if len(fields) != len(columns):
            yield line_number, RowError(
                f"expected {len(columns)} columns, found {len(fields)} (sentence from line "
                f"{start} rejected)", line)
            broken = True
            continue
        for column, value in zip(columns, fields):
            column.append(value)
    if columns and not broken:
        yield start, columns


def get_field(row: Row, field) -> str:
    """Read one field from a row; raise KeyError with a short reason when it is absent or
    not text. JSON strings are taken as they are, integers as their digits (labels such
    as 0/1), null as empty; booleans, fractions, arrays and objects are not text."""
    if isinstance(row, list):
        if not isinstance(field, int):
            raise KeyError(f"this format has no named fields; use a column index, not {field!r}")
        if not -len(row) <= field < len(row):
            raise KeyError(f"no column {field} (row has {len(row)})")
        return row[field]
    if field not in row:
        raise KeyError(f"missing field {field!r}")
    value = row[field]
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if numbers_list(value):  # measurements, not text: say so (validate suggests the input kind)
        raise KeyError(numbers_list_reason(field))
    kind = {bool: "a boolean", float: "a number with a fraction", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)
    raise KeyError(f"field {field!r} is {kind}, not text ({printable(json.dumps(value))[:80]})")


# Measurement formats live in their own modules and register themselves on import: ts
# and long_csv read text streams (READERS above); npz and wav read by path
# (seqkeras.io.path_readers.PATH_READERS).
from seqkeras.io import long_csv, path_readers, ts_format, wav_files  # noqa: E402,F401
