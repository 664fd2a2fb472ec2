"""A picture of a few training examples' features (spectrograms, sensor channels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras.plots import plt, save


def feature_images(examples: list[tuple[str, np.ndarray]], path: Path,
                   feature_label: str = "feature") -> Path:
    """One panel per ``(title, features [T, F])``: the features as an image, time left to
    right, feature 0 at the bottom (a log-mel spectrogram for audio); saved to ``path``."""
    fig, axes = plt.subplots(len(examples), 1, figsize=(8, 2.2 * len(examples)),
                             squeeze=False)
    for ax, (title, x) in zip(axes[:, 0], examples):
        image = ax.imshow(np.asarray(x).T, origin="lower", aspect="auto", cmap="magma",
                          interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(feature_label)
        fig.colorbar(image, ax=ax, pad=0.01)
    axes[-1, 0].set_xlabel("step (frame)")
    return save(fig, path)
