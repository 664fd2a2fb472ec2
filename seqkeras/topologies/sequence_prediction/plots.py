"""Forecasting plots for MLflow: the series split by time, forecasts against what
happened, and the error by steps ahead."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras import plots


def plot_series_splits(times_by_split: dict, values_by_split: dict, column: str, path: Path,
                       title: str = "") -> Path:
    """One line per split of ``column`` over time (split -> timestamps, split -> values,
    original units), saved to ``path``."""
    plt = plots.plt
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for split, times in times_by_split.items():
        if len(times):
            ax.plot(times, values_by_split[split], lw=0.5, label=f"{split} ({len(times)} steps)")
    ax.set_ylabel(column)
    ax.legend(loc="upper right")
    ax.set_title(title or f"{column} by split")
    fig.autofmt_xdate()
    return plots.save(fig, path)


def plot_forecast(actual_times, actual, forecasts: dict, column: str, path: Path,
                  title: str = "", max_points: int = 24 * 14) -> Path:
    """Actual values and forecasts, each forecast drawn at the time it forecasts
    (``forecasts``: name -> (times, values)); the first ``max_points`` actual steps."""
    plt = plots.plt
    k = min(len(actual_times), max_points)
    fig, ax = plt.subplots(figsize=(11, 4))
    if k:
        last = actual_times[k - 1]
        ax.plot(actual_times[:k], actual[:k], color="black", lw=1.4, label="actual")
        for name, (times, values) in forecasts.items():
            keep = np.asarray(times <= last)
            ax.plot(np.asarray(times)[keep], np.asarray(values)[keep], lw=0.9, alpha=0.85,
                    label=name)
    ax.set_ylabel(column)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or f"{column}: forecast vs actual (test)")
    fig.autofmt_xdate()
    return plots.save(fig, path)


def plot_error_by_horizon(curves: dict, path: Path, metric: str = "MAE", title: str = "") -> Path:
    """One line per method (name -> error per step ahead, original units), saved to ``path``."""
    plt = plots.plt
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", ms=3, label=name)
    ax.set_xlabel("steps ahead")
    ax.set_ylabel(f"{metric} (original units)")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or f"{metric} by horizon (test)")
    return plots.save(fig, path)
