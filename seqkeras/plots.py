"""Plots a person would rather look at than read, saved as PNG for MLflow."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, path: Path) -> Path:
    """Lay out, write as PNG and free the figure (pyplot keeps every open figure)."""
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def learning_curves(history: dict, path: Path, title: str = "") -> Path:
    """One panel per metric, training and validation side by side, per epoch."""
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


def confusion_matrix(cm, labels: list[str], path: Path, title: str = "") -> Path:
    cm = np.asarray(cm)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    size = max(4, 0.6 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{cm[i, j]}\n{share[i, j]:.0%}", ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black", fontsize=8)
    ax.set_title(title or "confusion matrix (test)")
    return save(fig, path)


def length_histogram(lengths_by_split: dict, path: Path, unit: str = "characters") -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for split, lengths in lengths_by_split.items():
        if len(lengths):
            ax.hist(lengths, bins=50, alpha=0.5, label=f"{split} (n={len(lengths)})")
    ax.set_xlabel(f"length ({unit})")
    ax.set_ylabel("records")
    ax.legend()
    ax.set_title("record lengths")
    return save(fig, path)
