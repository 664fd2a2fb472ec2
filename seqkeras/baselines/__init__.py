"""Baselines every run is compared with: a strong, well-kept non-recurrent model trained
on the same splits (scikit-learn), so a user learns when the recurrent model is not
worth its cost.

Each topology implements its own baseline (``Topology.baseline``, in its package's
``baseline.py``); this package holds what they share: the result type and the comparison
with the model (``compare``), linear models with their regularization chosen on the
validation split (``linear``), bounded samples (``caps``) and the logistic regression on
summary statistics for numeric sequences (``numeric``).
"""

from seqkeras.baselines.compare import (BaselineResult, BaselineScore, Comparison, compare,
                                        warning_line)

__all__ = ["BaselineResult", "BaselineScore", "Comparison", "compare", "warning_line"]
