"""Classification metrics from predicted and true class ids, in numpy.

Accuracy, per-class and macro-averaged precision, recall and F1 and the confusion
matrix, in one pass over the predictions. A class absent from the truth does not count
in the macro averages (its recall is undefined).
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts int64 ``[num_classes, num_classes]``: rows the true class, columns the
    predicted one, from int class ids ``[N]`` each. Raises IndexError for an id outside
    ``0 .. num_classes - 1``."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def classification_report(y_true, y_pred, labels: list[str]) -> dict:
    """Accuracy, macro precision/recall/F1 (floats in [0, 1]), per-class figures (keyed
    by label, with ``support``: true examples) and the confusion matrix (nested lists),
    from int class ids ``[N]`` indexing ``labels``. Empty input gives zeros, never NaN.
    Raises IndexError for an id outside ``labels``."""
    cm = confusion_matrix(y_true, y_pred, len(labels))
    tp = np.diag(cm).astype(float)
    predicted, actual = cm.sum(0).astype(float), cm.sum(1).astype(float)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    present = actual > 0
    report = {
        "accuracy": float(tp.sum() / max(cm.sum(), 1)),
        "macro_precision": float(precision[present].mean()) if present.any() else 0.0,
        "macro_recall": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class": {label: {"precision": float(p), "recall": float(r), "f1": float(f),
                              "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, actual)},
        "confusion_matrix": cm.tolist(),
    }
    return report
