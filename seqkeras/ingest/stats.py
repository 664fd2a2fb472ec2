"""Summary statistics ingest writes into ``stats.json``."""

from __future__ import annotations

import numpy as np


def distribution(values) -> dict:
    """min, p50, p90, p99, max and mean of a 1-D array of numbers (min and max as ints,
    the others as floats); ``{}`` for an empty array."""
    values = np.asarray(values)
    if not len(values):
        return {}
    q = np.percentile(values, [50, 90, 99])
    return {"min": int(values.min()), "p50": float(q[0]), "p90": float(q[1]),
            "p99": float(q[2]), "max": int(values.max()), "mean": float(values.mean())}
