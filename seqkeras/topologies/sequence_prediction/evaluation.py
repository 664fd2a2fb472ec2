"""Scoring a forecaster on the test span, beside the baselines, in original units.

Every method (the model, persistence, seasonal-naive) is scored on the same windows and
the same target values (imputed ones left out), so the skill ratios compare like with
like.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqkeras.errors import DataError
from seqkeras.io.atomic import write_json
from seqkeras.topologies.sequence_prediction.baselines import (horizon_metrics, naive_forecast,
                                                               seasonal_naive_forecast)
from seqkeras.topologies.sequence_prediction.plots import plot_error_by_horizon, plot_forecast
from seqkeras.topologies.sequence_prediction.prep import SeriesPrep, series_spec, split_arrays
from seqkeras.topologies.sequence_prediction.windows import gather_targets, window_ends


def scored_windows(spec, prep: SeriesPrep, records) -> tuple:
    """The windows every method is scored on, and what they are scored against:
    ``(arrays, ends [W], naive [W, H, K], seasonal [W, H, K] or None, truth [W, H, K],
    mask [W, H, K] bool: observed, not imputed)`` in original units. Windows without a
    seasonal-naive forecast (too early in the split) are left out for every method.
    Raises DataError when no window remains."""
    series = series_spec(spec)
    a = split_arrays(prep, records)
    ends = window_ends(a.steps, a.context, prep.lookback, prep.horizon)
    k, h_max = len(prep.targets), prep.horizon
    y_raw = a.numeric[:, :k]
    naive = naive_forecast(y_raw, ends, h_max)
    seasonal = None
    if series.seasonal_period:
        seasonal, ok = seasonal_naive_forecast(y_raw, a.steps, ends, h_max,
                                               series.seasonal_period)
        if not ok.all():  # every method is scored on the same windows
            ends, naive, seasonal = ends[ok], naive[ok], seasonal[ok]
    if not len(ends):
        raise DataError("evaluate: no test window to score")
    truth = gather_targets(y_raw, ends, h_max)
    mask = ~gather_targets(a.imputed, ends, h_max)
    return a, ends, naive, seasonal, truth, mask


def evaluate(spec, prep: SeriesPrep, model, records, out_dir: Path) -> dict:
    """Test metrics in original units over every window of ``records`` (names without
    the ``test_`` prefix): the model's, persistence's and seasonal-naive's MAE and RMSE
    overall and per step ahead, skill ratios, per-target MAE when there are several
    targets, and the loss on normalized targets (observed values only). Writes ``forecast_metrics.json``,
    ``forecast_vs_actual.png`` and ``error_by_horizon.png`` into ``out_dir``. Imputed
    target values are not scored. Raises DataError when no window can be scored.
    """
    series = series_spec(spec)
    k, h_max = len(prep.targets), prep.horizon
    a, ends, naive, seasonal, truth, mask = scored_windows(spec, prep, records)
    pred_norm = model.predict(prep.model_inputs(a, ends), batch_size=256, verbose=0)
    pred = prep.denormalize(pred_norm)
    truth_norm = prep.normalize_targets(truth)
    err = (pred_norm - truth_norm)[mask]  # imputed targets are not in the loss either
    loss = float(np.mean(err ** 2) if series.loss == "mse" else np.mean(np.abs(err))) \
        if err.size else float("nan")

    methods = {"": horizon_metrics(truth, pred, mask),
               "naive_": horizon_metrics(truth, naive, mask)}
    if seasonal is not None:
        methods["seasonal_naive_"] = horizon_metrics(truth, seasonal, mask)
    out = {"loss": loss, "windows": int(len(ends)), "scored_values": methods[""]["count"]}
    for prefix, m in methods.items():
        out[f"{prefix}mae"], out[f"{prefix}rmse"] = m["mae"], m["rmse"]
        for h in range(h_max):
            out[f"{prefix}mae_step_{h + 1}"] = m["mae_step"][h]
            out[f"{prefix}rmse_step_{h + 1}"] = m["rmse_step"][h]
    for prefix in [p for p in methods if p]:
        name = prefix.rstrip("_")
        base = methods[prefix]
        out[f"skill_vs_{name}"] = methods[""]["mae"] / max(base["mae"], 1e-12)
        out[f"skill_vs_{name}_step_{h_max}"] = (methods[""]["mae_step"][-1]
                                                / max(base["mae_step"][-1], 1e-12))
    if k > 1:
        for j, target in enumerate(prep.targets):
            for prefix, forecast in (("", pred), ("naive_", naive)):
                m = horizon_metrics(truth[..., j:j + 1], forecast[..., j:j + 1],
                                    mask[..., j:j + 1])
                out[f"{prefix}mae_{target}"] = m["mae"]

    table = [{"step": h + 1, **{f"{p or 'model_'}{metric}": methods[p][f"{metric}_step"][h]
                                 for p in methods for metric in ("mae", "rmse")}}
             for h in range(h_max)]
    write_json(out_dir / "forecast_metrics.json", {
        "targets": prep.targets, "windows": int(len(ends)),
        "scored_values": methods[""]["count"], "by_step": table,
        "overall": {p or "model": {"mae": m["mae"], "rmse": m["rmse"]}
                    for p, m in methods.items()}})
    forecast_plots(spec, prep, a, ends, pred, naive, methods, out_dir)
    return out


def forecast_plots(spec, prep, a, ends, pred, naive, methods, out_dir: Path) -> None:
    """Forecast against actual (1 and ``horizon`` steps ahead, with persistence) and the
    MAE by steps ahead of every method, into ``out_dir``."""
    times = pd.to_datetime(a.times)
    first = int(ends[0]) + 1
    target = prep.targets[0]
    actual_times = times[first:]
    actual = a.numeric[first:, 0]
    h = prep.horizon
    forecasts = {"model, 1 step ahead": (times[ends + 1], pred[:, 0, 0])}
    if h > 1:
        forecasts[f"model, {h} steps ahead"] = (times[ends + h], pred[:, h - 1, 0])
        forecasts[f"persistence, {h} steps ahead"] = (times[ends + h], naive[:, h - 1, 0])
    else:
        forecasts["persistence"] = (times[ends + 1], naive[:, 0, 0])
    plot_forecast(actual_times, actual, forecasts, target, out_dir / "forecast_vs_actual.png",
                  title=f"{spec.name}: {target} forecast vs actual (test span)")
    names = {"": "model", "naive_": "persistence", "seasonal_naive_": "seasonal naive"}
    plot_error_by_horizon({names[p]: m["mae_step"] for p, m in methods.items()},
                          out_dir / "error_by_horizon.png",
                          title=f"{spec.name}: test MAE by steps ahead")
