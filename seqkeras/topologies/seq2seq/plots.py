"""Attention weights of translated sentences as heat maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras import plots


def attention_heatmaps(examples: list, path: Path) -> Path:
    """One panel per sentence: output tokens (rows) against source tokens (columns),
    weights in [0, 1]. ``examples``: (source text, outputs) pairs, the outputs of one
    sentence from the served translator (``length``, ``tokens`` and ``source_tokens`` as
    bytes, ``attention`` ``[output tokens, source tokens]``). Saved to ``path``."""
    plt = plots.plt

    n = max(len(examples), 1)
    fig, axes = plt.subplots(1, n, figsize=(4.8 * n, 4.6), squeeze=False)
    for ax, (source, out) in zip(axes[0], examples):
        length = int(out["length"])
        src = [t.decode("utf-8") for t in out["source_tokens"] if t]
        tgt = [t.decode("utf-8") for t in out["tokens"][:length]]
        weights = np.asarray(out["attention"])[:length, :len(src)]
        if weights.size:
            ax.imshow(weights, cmap="viridis", aspect="auto", vmin=0, vmax=1)
        ax.set_xticks(range(len(src)), src, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(tgt)), tgt, fontsize=8)
        ax.set_title(source if len(source) < 48 else source[:45] + "...", fontsize=9)
    return plots.save(fig, path)
