"""The forecasts a model must beat, and the errors all are scored by, in original units.

Persistence (naive: the last observed value, repeated) and seasonal-naive (the value one
season earlier) are computed on the same windows as the model, so a skill ratio
model/baseline below 1 means the model beats it.
"""

from __future__ import annotations

import math

import numpy as np


def naive_forecast(y: np.ndarray, ends: np.ndarray, horizon: int) -> np.ndarray:
    """Persistence: the last observed value, repeated for every step ahead."""
    return np.repeat(y[ends][:, None, :], horizon, axis=1)


def seasonal_naive_forecast(y: np.ndarray, steps: np.ndarray, ends: np.ndarray, horizon: int,
                            period: int) -> tuple[np.ndarray, np.ndarray]:
    """The value one season earlier than each target step (``period * ceil(h / period)``
    steps back, so always an observed step). Returns (forecast, valid windows): a window
    is invalid when a needed step is not in the records (too early, or dropped)."""
    h = np.arange(1, horizon + 1)
    back = period * np.ceil(h / period).astype(np.int64)
    src_steps = steps[ends][:, None] + h[None, :] - back[None, :]
    rows = np.searchsorted(steps, src_steps)
    rows_clipped = np.clip(rows, 0, len(steps) - 1)
    ok = (rows < len(steps)) & (steps[rows_clipped] == src_steps)
    return y[rows_clipped], ok.all(axis=1)


def horizon_metrics(y_true: np.ndarray, y_pred: np.ndarray, mask: np.ndarray | None = None) -> dict:
    """MAE and RMSE overall and per step ahead over [windows, horizon, targets] arrays;
    ``mask`` (same shape) marks the cells that are scored."""
    err = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    m = np.ones(err.shape, bool) if mask is None else np.asarray(mask, bool)
    n_step = m.sum(axis=(0, 2))
    abs_step = np.where(m, np.abs(err), 0).sum(axis=(0, 2))
    sq_step = np.where(m, err ** 2, 0).sum(axis=(0, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "mae": float(abs_step.sum() / max(n_step.sum(), 1)),
            "rmse": float(math.sqrt(sq_step.sum() / max(n_step.sum(), 1))),
            "mae_step": (abs_step / np.maximum(n_step, 1)).tolist(),
            "rmse_step": np.sqrt(sq_step / np.maximum(n_step, 1)).tolist(),
            "count": int(n_step.sum()),
        }
