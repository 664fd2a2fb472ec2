"""Field values that are not what a text tokenizer should read.

A jsonl field holding ``[1.05, 2.0]`` (or a csv cell holding that text) used to be
stringified and split into "[", "1", "05" tokens. ``seqkeras validate`` peeks at the
first rows with :func:`numbers_list` and ingest rejects such rows.
"""

from __future__ import annotations

import json
import numbers


def _all_numbers(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(map(_all_numbers, value))


def numbers_list(value) -> bool:
    """Whether ``value`` is a (nested) list of numbers, given as a list or as its JSON /
    Python text (``"[1, 0.5]"``); an empty list is not."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.startswith("[") and text.endswith("]")):
            return False
        try:
            value = json.loads(text)
        except ValueError:
            return False
    return isinstance(value, (list, tuple)) and _all_numbers(value)


def numbers_list_reason(field) -> str:
    """The reject reason for a field whose value is a list of numbers."""
    return (f"field {field!r} holds a list of numbers, not text (a text tokenizer would "
            "split it into '[', '1', ... tokens)")
