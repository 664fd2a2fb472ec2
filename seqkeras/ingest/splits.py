"""Seeded splits and sampling of records, deterministic from the seed and the text.

Records without a split from their source get one from a hash of their text, so
duplicates never straddle splits and a rerun (or another machine) gives the same split;
``data.max_records_per_split`` samples by a hash too rather than taking the first rows,
because files are often sorted by label or length.
"""

from __future__ import annotations

import hashlib


def hash_fraction(seed: int, text: str) -> float:
    """A deterministic float in [0, 1) from the seed and the text (blake2b, 64 bits)."""
    digest = hashlib.blake2b(f"{seed}\x00{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


def assign_split(fraction: float, val: float, test: float) -> str:
    """"test" for ``fraction`` in [0, test), "val" in [test, test + val), else "train"
    (``val`` and ``test`` are shares of the data in [0, 1])."""
    if fraction < test:
        return "test"
    if fraction < test + val:
        return "val"
    return "train"


def limit_per_split(records: dict, limit, seed: int, key) -> None:
    """Keep at most ``limit`` records of each split, in place: a seeded sample by the hash of
    ``key(record)`` (a str; not the first rows: files are often sorted by label or length),
    in file order. ``limit`` None or 0 keeps everything."""
    if not limit:
        return
    for split, rows in records.items():
        if len(rows) > limit:
            keep = sorted(range(len(rows)),
                          key=lambda j: hash_fraction(seed + 1, key(rows[j])))[:limit]
            records[split] = [rows[j] for j in sorted(keep)]
