"""``target_transform: auto``: which baseline the network starts from, chosen on val.

The residual transforms make an untrained network forecast a baseline exactly
(persistence for ``residual_naive``, the value one season back for
``residual_seasonal_naive``); the better starting point is the baseline with the lower
error on data the model does not train on. ``auto`` scores both on the val span's windows
(imputed targets left out, as in the test metrics), at ingest, before any model exists:
seasonal naive when it beats persistence and the window holds a season, else
persistence. The choice is printed, written to ``ingest/stats.json`` and tagged in MLflow;
the tokenize stage records it in ``series_preprocessor.json``, which the model is built
from. No TensorFlow here.
"""

from __future__ import annotations

import numpy as np

from seqkeras.errors import SeqkerasError
from seqkeras.topologies.sequence_prediction.baselines import (horizon_metrics, naive_forecast,
                                                               seasonal_naive_forecast)
from seqkeras.topologies.sequence_prediction.windows import gather_targets, window_ends

#: The MLflow tag with the transform the model was built with.
TAG = "data.series.target_transform"


def choose_transform(series, val_records: list[dict]) -> dict:
    """The transform ``auto`` resolves to for ``series`` (a ``SeriesSpec``) on the val
    records: ``{"requested", "chosen", "reason", "val_naive_mae", "val_seasonal_naive_mae"}``
    (MAEs in original units over every target's observed values;
    None where not computed). A spec that names a transform gets it back unchanged."""
    out = {"requested": series.target_transform, "chosen": series.target_transform,
           "reason": "set in the YAML", "val_naive_mae": None, "val_seasonal_naive_mae": None}
    if series.target_transform != "auto":
        return out
    out["chosen"], period = "residual_naive", series.seasonal_period
    if not period:
        out["reason"] = "no data.series.seasonal_period"
        return out
    if series.lookback < period:
        out["reason"] = (f"the window ({series.lookback} steps) is shorter than the season "
                         f"({period}), so seasonal naive cannot be read from it")
        return out
    targets = list(series.targets)
    y = np.array([[r["values"][c] for c in targets] for r in val_records], np.float64)
    imputed = np.array([[c in r.get("imputed", ()) for c in targets] for r in val_records],
                       bool).reshape(len(val_records), len(targets))
    steps = np.array([r["step"] for r in val_records], np.int64)
    context = np.array([bool(r.get("context")) for r in val_records], bool)
    ends = window_ends(steps, context, series.lookback, series.horizon)
    if not len(ends):
        out["reason"] = "no val window to compare the baselines on"
        return out
    seasonal, ok = seasonal_naive_forecast(y, steps, ends, series.horizon, period)
    ends, seasonal = ends[ok], seasonal[ok]
    if not len(ends):
        out["reason"] = "no val window reaches a season back"
        return out
    truth = gather_targets(y, ends, series.horizon)
    mask = ~gather_targets(imputed, ends, series.horizon)
    naive_mae = horizon_metrics(truth, naive_forecast(y, ends, series.horizon), mask)["mae"]
    seasonal_mae = horizon_metrics(truth, seasonal, mask)["mae"]
    out.update(val_naive_mae=naive_mae, val_seasonal_naive_mae=seasonal_mae)
    if seasonal_mae < naive_mae:
        out["chosen"] = "residual_seasonal_naive"
    out["reason"] = (f"val MAE: seasonal naive {seasonal_mae:.4g}, persistence "
                     f"{naive_mae:.4g} on {len(ends)} windows")
    return out


def resolved_transform(series, ingest_stats: dict | None) -> str:
    """The transform the model is built with: the YAML's, or the one ingest chose for
    ``auto`` (``ingest_stats``: the content of ``ingest/stats.json``). Raises
    SeqkerasError when ``auto`` was asked for and ingest recorded no choice."""
    if series.target_transform != "auto":
        return series.target_transform
    chosen = ((ingest_stats or {}).get("target_transform") or {}).get("chosen")
    if chosen in (None, "auto"):
        raise SeqkerasError("data.series.target_transform auto: ingest recorded no choice "
                            "(run the ingest stage again: seqkeras run SPEC --stage ingest --force)")
    return chosen
