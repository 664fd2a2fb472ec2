"""The classifier's confusion matrix as a picture (counts and row shares)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras import plots


def confusion_matrix(cm, labels: list[str], path: Path, title: str = "") -> Path:
    """``cm`` ``[K, K]`` counts (rows true, columns predicted) as a heat map of row shares
    with each cell's count and share, labelled by ``labels``; saved to ``path``."""
    plt = plots.plt
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
    return plots.save(fig, path)
