"""The tagger's entity-level scores as a bar chart (per type and overall)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkeras import plots


def entity_scores_plot(report: dict, path: Path, title: str) -> Path:
    """Bars of precision, recall and F1 per entity type and overall, from an
    :func:`~seqkeras.topologies.many_to_many.metrics.entity_report`; saved to ``path``."""
    plt = plots.plt
    names = list(report["per_type"]) + ["overall"]
    rows = list(report["per_type"].values()) + [report]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.3 * len(names) + 3, 3.8))
    for i, metric in enumerate(("precision", "recall", "f1")):
        values = [r[metric] for r in rows]
        bars = ax.bar(x + (i - 1) * 0.27, values, 0.27, label=metric)
        for bar, v in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, v + 0.01, f"{v:.2f}", ha="center",
                    fontsize=7)
    ax.set_xticks(x, [f"{n}\n(n={r['support']})" for n, r in zip(names, rows)])
    ax.set_ylim(0, 1.08)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return plots.save(fig, path)
