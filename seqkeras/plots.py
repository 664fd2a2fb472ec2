"""Plots a person would rather look at than read, saved as PNG for MLflow.

Only the plots the stages draw for every topology live here (learning curves, record
lengths) with the one way to save a figure; a topology's own plots (a confusion matrix,
entity scores, attention maps, forecasts) live in its package and save through
:func:`save`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, path: Path) -> Path:
    """Lay out, write ``fig`` to ``path`` as a PNG at 100 dpi and free it (pyplot keeps
    every open figure). Returns ``path``; raises OSError when it cannot be written."""
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def learning_curves(history: dict, path: Path, title: str = "") -> Path:
    """One panel per metric of a Keras ``history`` (name -> per-epoch values; ``val_*``
    drawn beside their training metric, ``learning_rate`` left out), saved to ``path``."""
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], "o-", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], "o-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return save(fig, path)


def length_histogram(lengths_by_split: dict, path: Path, unit: str = "characters") -> Path:
    """Overlaid histograms (50 bins) of record lengths per split (split -> 1-D array of
    lengths in ``unit``; empty splits are left out), saved to ``path``."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for split, lengths in lengths_by_split.items():
        if len(lengths):
            ax.hist(lengths, bins=50, alpha=0.5, label=f"{split} (n={len(lengths)})")
    ax.set_xlabel(f"length ({unit})")
    ax.set_ylabel("records")
    ax.legend()
    ax.set_title("record lengths")
    return save(fig, path)
