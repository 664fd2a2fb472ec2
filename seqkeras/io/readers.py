"""Record readers, one per file format, registered by name.

A reader turns a text stream into ``(line_number, row)`` pairs, where a row is a dict
(files with named fields) or a list (files addressed by column index). A row the
reader cannot parse is yielded as a ``RowError`` so ingest can count and keep it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Union

from seqkeras.errors import DataError
from seqkeras.io.archives import choose_member

Row = Union[dict, list]


@dataclass
class RowError:
    """A row that could not be parsed; kept so it can be reported, never silently lost."""

    reason: str
    raw: str


READERS: dict[str, Callable[..., Iterator[tuple[int, Union[Row, RowError]]]]] = {}


def register_reader(name: str):
    def wrap(fn):
        READERS[name] = fn
        return fn
    return wrap


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
def open_text(path: Path, member: str | None = None, encoding: str = "utf-8"):
    """Open a plain, gzip or zip file as text. Yields (stream, display name)."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            member = choose_member(path, archive.namelist(), member)
            with archive.open(member) as raw:
                yield io.TextIOWrapper(raw, encoding=encoding, errors="replace",
                                       newline=""), f"{path}!{member}"
    elif suffix == ".gz":
        with gzip.open(path, "rt", encoding=encoding, errors="replace", newline="") as f:
            yield f, str(path)
    else:
        with open(path, encoding=encoding, errors="replace", newline="") as f:
            yield f, str(path)


def _raise_csv_field_limit():
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


def _delimited(stream, delimiter: str, header: bool, quoting=csv.QUOTE_MINIMAL):
    _raise_csv_field_limit()
    reader = csv.reader(stream, delimiter=delimiter, quoting=quoting)
    names = None
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if header and names is None:
                names = fields
                continue
            if names is not None:
                if len(fields) != len(names):
                    yield line, RowError(f"expected {len(names)} fields, found {len(fields)}",
                                         delimiter.join(fields))
                    continue
                yield line, dict(zip(names, fields))
            else:
                yield line, fields
    except csv.Error as exc:
        yield reader.line_num, RowError(f"unreadable row: {exc}", "")


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
    """Read one field from a row; raise KeyError with a short reason when absent."""
    if isinstance(row, list):
        if not isinstance(field, int):
            raise KeyError(f"this format has no named fields; use a column index, not {field!r}")
        if not -len(row) <= field < len(row):
            raise KeyError(f"no column {field} (row has {len(row)})")
        return row[field]
    if field not in row:
        raise KeyError(f"missing field {field!r}")
    value = row[field]
    return "" if value is None else str(value)


# Measurement formats live in their own modules and register themselves on import: ts
# and long_csv read text streams (READERS above); npz and wav read by path
# (seqkeras.io.path_readers.PATH_READERS).
from seqkeras.io import long_csv, path_readers, ts_format, wav_files  # noqa: E402,F401
