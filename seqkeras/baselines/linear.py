"""Linear models (scikit-learn) with their regularization strength chosen on the
validation split: the strong, cheap baselines of text classification, numeric sequences
and forecasting.

The grid is small (four or five values a decade apart or so) and every fit is bounded
by the sample caps of ``caps``; each returns the fitted model, the chosen value and its
validation score, so the run can log what was chosen.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

log = logging.getLogger("seqkeras")

#: Inverse regularization strengths of the logistic regression tried on val.
LOGREG_C = (0.1, 1.0, 10.0, 100.0)
#: Ridge penalties tried on val (on standardized inputs).
RIDGE_ALPHA = (0.01, 0.1, 1.0, 10.0, 100.0)


def accuracy(y_true, y_pred) -> float:
    """Share of equal entries of two label arrays ``[N]`` (0.0 for empty input)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float((y_true == y_pred).mean()) if len(y_true) else 0.0


def logistic_regression(x_train, y_train, x_val, y_val, grid=LOGREG_C, score=accuracy,
                        max_iter: int = 1000):
    """Fit ``sklearn.linear_model.LogisticRegression`` for each C of ``grid`` on
    (``x_train`` ``[N, F]`` dense or sparse, ``y_train`` labels ``[N]``) and keep the one
    with the best ``score(y_val, predictions)`` on the validation split (ties: the
    stronger regularization). Without validation records the middle of the grid is used.
    Returns ``(model, {"C": chosen, "val_score": float or nan, "seconds": float})``.
    Solver: liblinear for two classes, lbfgs (multinomial) for more.
    Raises ValueError when ``y_train`` has fewer than two classes.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    if len(set(np.asarray(y_train).tolist())) < 2:
        raise ValueError("logistic regression needs at least two classes in training")
    started = time.monotonic()
    candidates = grid if len(y_val) else (grid[len(grid) // 2],)
    # liblinear is several times faster on two classes; lbfgs fits the multinomial model
    solver = "liblinear" if len(set(np.asarray(y_train).tolist())) == 2 else "lbfgs"
    best = None
    for c in candidates:
        model = LogisticRegression(C=c, max_iter=max_iter, solver=solver)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x_train, y_train)
        val = score(y_val, model.predict(x_val)) if len(y_val) else float("nan")
        if best is None or val > best[1]:
            best = (model, val, c)
    model, val, c = best
    return model, {"C": float(c), "val_score": float(val),
                   "seconds": time.monotonic() - started}


def ridge(x_train, y_train, x_val, y_val, grid=RIDGE_ALPHA):
    """Fit ``sklearn.linear_model.Ridge`` (multi-output: ``y`` ``[N, K]``) for each alpha
    of ``grid`` and keep the one with the lowest mean absolute error on the validation
    split (without validation records: alpha 1). Returns ``(model, {"alpha": chosen,
    "val_mae": float or nan, "seconds": float})``."""
    from sklearn.linear_model import Ridge

    started = time.monotonic()
    candidates = grid if len(y_val) else (1.0,)
    best = None
    for a in candidates:
        with warnings.catch_warnings():
            # scipy's LinAlgWarning for the smallest alphas on collinear lags: those
            # alphas then lose on val; the user's run log is not the place for it
            from scipy.linalg import LinAlgWarning

            warnings.simplefilter("ignore", category=LinAlgWarning)
            model = Ridge(alpha=a).fit(x_train, y_train)
        val = float(np.mean(np.abs(model.predict(x_val) - y_val))) if len(y_val) \
            else float("nan")
        if best is None or val < best[1]:
            best = (model, val, a)
    model, val, a = best
    return model, {"alpha": float(a), "val_mae": val, "seconds": time.monotonic() - started}
