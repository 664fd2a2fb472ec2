"""Damaged input, found before it becomes data: bytes that do not decode, NUL characters,
compressed files that end early, CSV quotes that never close.

The readers (``seqkeras.io.readers``) read every file through :func:`text_stream` and
split delimited files with :func:`records`, so none of these changes a row silently:
undecodable bytes are kept as lone surrogates (``errors="surrogateescape"``) and the
row is rejected naming the field (:func:`text_problem`); a truncated ``.gz`` or zip
member stops the read with a ``DataError`` naming the file and the line; a quoted
field that does not close rejects its own line only.
"""

from __future__ import annotations

import codecs
import collections
import csv
import gzip
import io
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass

from seqkeras.errors import DataError


@dataclass
class RowError:
    """A row that could not be parsed; kept so it can be reported, never silently lost."""

    reason: str
    raw: str


#: Undecodable bytes become lone surrogates U+DC80..U+DCFF (``errors="surrogateescape"``).
_BAD_CHAR = re.compile("[\x00\udc80-\udcff]")


def text_problem(row) -> str | None:
    """Why a parsed row cannot be kept as text (None when it can): a NUL character, or
    bytes that do not decode in the file's encoding; names the field or column."""
    items = row.items() if isinstance(row, dict) else enumerate(row)
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str):
                continue
            m = _BAD_CHAR.search(v)
            if m is None:
                continue
            where = f"field {key!r}" if isinstance(row, dict) else f"column {key}"
            if m.group() == "\x00":
                return f"NUL character in {where} (at character {m.start() + 1})"
            byte = ord(m.group()) - 0xDC00
            return (f"invalid text in {where} (byte 0x{byte:02x} at character {m.start() + 1} "
                    "does not decode in the file's encoding; set 'encoding' on the source "
                    "if it is not UTF-8)")
    return None


def printable(text: str) -> str:
    """``text`` with undecodable bytes written as ``\\xNN`` (safe to write as UTF-8)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
        if isinstance(text, str) else str(text)



#: Byte-order marks of encodings a file declared as UTF-8 cannot be.
_FOREIGN_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                 (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: What a truncated or corrupt compressed file raises while it is read.
_COMPRESSED_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile, OSError)


class _Guarded:
    """A text stream that turns the errors of a damaged compressed file into one DataError
    naming the file and the line where reading stopped (and counts lines for it)."""

    def __init__(self, stream, name: str):
        self._stream, self.name, self.lines = stream, name, 0

    def _fail(self, exc):
        detail = str(exc) or type(exc).__name__
        raise DataError(f"{self.name}: line {self.lines + 1}: the file is truncated or "
                        f"corrupt ({detail}); replace it with a complete copy") from None

    def __iter__(self):
        return self

    def __next__(self):
        try:
            line = next(self._stream)
        except StopIteration:
            raise
        except _COMPRESSED_ERRORS as exc:
            self._fail(exc)
        self.lines += 1
        return line

    def readline(self, *args):
        try:
            line = self._stream.readline(*args)
        except _COMPRESSED_ERRORS as exc:
            self._fail(exc)
        self.lines += line.count("\n")
        return line

    def read(self, *args):
        try:
            text = self._stream.read(*args)
        except _COMPRESSED_ERRORS as exc:
            self._fail(exc)
        self.lines += text.count("\n")
        return text


def text_stream(raw, encoding: str, name: str) -> "_Guarded":
    """A binary stream as checked text: a UTF-8 byte-order mark is dropped, a UTF-16/32
    one in a file declared UTF-8 is an error, undecodable bytes are kept (as lone
    surrogates) for the row checks to report."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"{name}: unknown encoding {encoding!r}") from None
    try:
        head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    except _COMPRESSED_ERRORS as exc:
        raise DataError(f"{name}: cannot be read as a compressed file "
                        f"({str(exc) or type(exc).__name__})") from None
    if codec == "utf-8":
        for bom, actual in _FOREIGN_BOMS:
            if head.startswith(bom):
                raise DataError(f"{name}: starts with a {actual.upper()} byte-order mark; "
                                f"set 'encoding: {actual}' on this source")
        codec = "utf-8-sig"
    return _Guarded(io.TextIOWrapper(raw, encoding=codec, errors="surrogateescape",
                                     newline=""), name)


def _raise_csv_field_limit():
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


#: A quoted CSV field may span this many lines / characters before it counts as unclosed.
MAX_QUOTED_LINES = 10_000
MAX_QUOTED_CHARS = 10_000_000


class _QuoteTooLong(Exception):
    pass


def records(stream, delimiter: str, quoting):
    """(first line, fields or RowError, physical lines used) for each record of a
    delimited file, with strict quoting. A quoted field may span lines, but a record
    that does not parse (a quote that never closes, text after a closing quote) rejects
    only its first line; reading resumes with the next line, so an unclosed quote never
    swallows the rows after it. (A quote closed by a quote on a later line that leaves a
    well-formed row is indistinguishable from a multi-line field, and read as one.)"""
    _raise_csv_field_limit()
    source = iter(stream)
    buf: collections.deque = collections.deque()  # physical lines not yet consumed
    counter = {"next": 1}

    def pull() -> bool:
        try:
            text = next(source)
        except StopIteration:
            return False
        buf.append((counter["next"], text))
        counter["next"] += 1
        return True

    while buf or pull():
        used, chars = 0, 0

        def feed():
            nonlocal used, chars
            while used < len(buf) or pull():
                text = buf[used][1]
                used += 1
                chars += len(text)
                if used > MAX_QUOTED_LINES or chars > MAX_QUOTED_CHARS:
                    raise _QuoteTooLong
                yield text

        reader = csv.reader(feed(), delimiter=delimiter, quoting=quoting, strict=True)
        start, first = buf[0]
        try:
            fields, error = next(reader), None
        except StopIteration:  # cannot happen with a line buffered; be safe
            return
        except csv.Error as exc:
            fields, error = None, (
                "unclosed quote (the quoted field opened on this line never closes; the "
                "lines after it were read as rows of their own)"
                if "unexpected end of data" in str(exc) else f"malformed quoting ({exc})")
        except _QuoteTooLong:
            fields, error = None, (
                f"record too long (from this line it runs past {MAX_QUOTED_LINES} lines "
                f"or {MAX_QUOTED_CHARS} characters: probably an unclosed quote)")
        if error is None:
            for _ in range(used):
                buf.popleft()
            yield start, fields, used
        else:
            buf.popleft()
            yield start, RowError(error, first.rstrip("\r\n")), 1

