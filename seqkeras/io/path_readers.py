"""Readers of formats that are not text streams: numpy arrays and WAV recordings.

``READERS`` (``seqkeras.io.readers``) parse text streams; these take the resolved path
and the source's settings, and yield ``(where, row)`` pairs the same way (``where`` a
line, an index or an archive member; a row that cannot be used is a ``RowError``).

* ``npz``: a ``.npy`` array ``[N, T, F]`` (or ``[N, T]``: one feature), or a ``.npz``
  with the sequences (``sequence_field``, default ``x``), optional per-sequence
  ``lengths`` (steps of each padded row that are real) and any other per-sequence
  arrays (labels, splits) as fields. Object (pickled) arrays are refused: numpy would
  run code from the file to read them.
* ``wav`` lives in :mod:`seqkeras.io.wav_files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

PATH_READERS: dict[str, Callable[..., Iterator[tuple]]] = {}
#: The array of sequences in a .npz when ``sequence_field`` is not set.
DEFAULT_ARRAY = "x"
LENGTHS_ARRAY = "lengths"


def register_path_reader(name: str):
    """Decorator: register ``fn(path, source) -> Iterator[(where, row | RowError)]``."""
    def wrap(fn):
        PATH_READERS[name] = fn
        return fn
    return wrap


# after the registry: seqkeras.io.readers imports this module (and wav_files) last
from seqkeras.errors import DataError  # noqa: E402
from seqkeras.io.readers import RowError  # noqa: E402


def _load(path: Path) -> dict:
    import numpy as np  # here: validating a text pipeline never needs numpy

    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: {exc} (object arrays are refused: save variable-length "
                        "sequences padded, with a 'lengths' array)") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable .npy/.npz file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        return {DEFAULT_ARRAY: loaded}
    with loaded:
        return {name: loaded[name] for name in loaded.files}


@register_path_reader("npz")
def read_npz(path: Path, source) -> Iterator[tuple]:
    """Yield ``(index, {"sequence": [T][F] floats, <other arrays' values>})`` per
    sequence. Raises DataError when the file cannot be read, has no such array, or its
    arrays do not have one entry per sequence."""
    import numpy as np

    arrays = _load(Path(path))
    name = source.sequence_field if source.sequence_field is not None else DEFAULT_ARRAY
    if name not in arrays:
        raise DataError(f"{path}: no array {name!r} (it holds: {', '.join(arrays)}); set "
                        "sequence_field")
    x = arrays.pop(name)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.dtype.kind not in "fiu":
        raise DataError(f"{path}: array {name!r} has shape {x.shape} and dtype {x.dtype}; "
                        "expected numbers [sequences, steps, features]")
    lengths = arrays.pop(LENGTHS_ARRAY, None)
    for key, values in list(arrays.items()) + ([(LENGTHS_ARRAY, lengths)]
                                                if lengths is not None else []):
        if len(values) != len(x):
            raise DataError(f"{path}: array {key!r} has {len(values)} entries for {len(x)} "
                            "sequences")
    for i in range(len(x)):
        n = x.shape[1] if lengths is None else int(lengths[i])
        if not 0 < n <= x.shape[1]:
            yield i, RowError(f"lengths[{i}] = {n} is outside 1..{x.shape[1]}", "")
            continue
        row = {"sequence": x[i, :n].astype(np.float64).tolist()}
        for key, values in arrays.items():
            value = values[i]
            row[key] = value.item() if hasattr(value, "item") else value
        yield i, row
