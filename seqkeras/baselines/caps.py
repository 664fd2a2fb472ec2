"""Bounded samples, so a baseline costs seconds to a few minutes on CPU whatever the
data size: a seeded random subset of at most ``cap`` items, in their original order.

The caps are the ``baseline`` section's (``max_train_records`` and friends); the run
logs how many records each baseline saw.
"""

from __future__ import annotations

import numpy as np


def capped(items: list, cap: int | None, seed: int) -> list:
    """At most ``cap`` of ``items`` (all when ``cap`` is None or not smaller), chosen
    with ``seed`` and kept in their original order."""
    if cap is None or len(items) <= cap:
        return list(items)
    keep = np.sort(np.random.default_rng(seed).choice(len(items), cap, replace=False))
    return [items[i] for i in keep]


def capped_rows(n: int, cap: int | None, seed: int) -> np.ndarray:
    """Indices (int64, sorted) of at most ``cap`` of ``n`` rows, chosen with ``seed``."""
    if cap is None or n <= cap:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False)).astype(np.int64)
