"""Sequence prediction (forecasting): ``lookback`` steps of one or more features in,
the next ``horizon`` steps of one or more targets out.

Direct multi-output
    The recurrent stack reads the window and its final state feeds ONE Dense layer with
    ``horizon x targets`` units, reshaped to ``[horizon, targets]``: every step ahead is
    forecast at once, from the same state, by its own output weights. Unlike a recursive
    one-step model (fed its own predictions ``horizon`` times) errors do not compound, no
    future values of the non-target features are needed, and serving is one forward pass;
    unlike an encoder-decoder it adds no decoder for the same data. The loss (``mse`` or
    ``mae``, ``data.series.loss``) is averaged over all steps and targets, on targets
    normalized with the training span's mean and standard deviation.

Data (``data.series``; reading and filling in ``seqkeras.topologies.sequence_prediction.series``)
    Ingest parses the timestamps, sorts, reindexes to the frequency (gaps become missing
    steps), fills by the ``missing`` policy and counts what it filled; rows that cannot be
    used go to ``rejects.jsonl``. The split is by time: train, then val, then test. Val and
    test records start with ``context`` rows from before their span (the history their
    first windows read, ``max(lookback, seasonal_period)`` steps), never scored. Normalization
    statistics and category lists are learned from the training span only (tokenize stage,
    ``series_preprocessor.json``). Imputed target values are left out of the test metrics
    (for the model and the baselines alike).

Model input
    ``[None, lookback, n_features]`` float32: the numeric columns (targets first, then the
    numeric features) standardized, then a one-hot block per categorical column (categories
    seen in training; an unknown one is all zeros).

Serving (``serving_default``), one input per column
    Every input column is its own input named after it (characters other than letters,
    digits and ``_`` become ``_``: ``pm2.5`` -> ``pm2_5``): numeric columns ``float32
    [None, lookback]`` and categorical columns ``string [None, lookback]``, raw values in
    original units, oldest step first. Self-describing (``saved_model_cli show`` lists the
    columns by name) and a TF Serving REST instance reads as a table::

        {"instances": [{"pm2_5": [...72 values], "DEWP": [...], "cbwd": ["NW", ...], ...}]}

    The graph standardizes (a NaN becomes the training mean), one-hot encodes with
    ``tf.equal`` against constant category lists, runs the model and de-normalizes, with
    core TF ops only. Outputs: ``forecast`` float32 ``[None, horizon, n_targets]`` in
    original units, ``target_names`` string ``[None, n_targets]``.

``seqkeras predict models/NAME window.csv [more.csv ...]``
    Each CSV (header row with the original column names; extra columns are ignored) is one
    window: its last ``lookback`` rows are sent. ``NA`` and empty cells are missing values.

Metrics (original units, test span)
    ``mae``/``rmse`` overall and per step (``mae_step_1`` .. ``mae_step_H``), the same for
    persistence (``naive_*``: last observed value repeated) and seasonal-naive
    (``seasonal_naive_*``: the value one ``seasonal_period`` earlier) on the same windows,
    and skill ratios model/baseline (``skill_vs_naive``: below 1 beats persistence).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from seqkeras.topologies.sequence_prediction import series as ts
from seqkeras.errors import DataError, SeqkerasError
from seqkeras.io.atomic import write_json, write_jsonl
from seqkeras.topologies.base import Topology, as_text
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.training.optimizers import compile_model

PREP_FILE = "series_preprocessor.json"
REJECTS_FILE = "rejects.jsonl"
STATS_FILE = "stats.json"
SPLITS = ("train", "val", "test")


def input_name(column: str) -> str:
    """The serving input name for a column (a valid TF and Python identifier)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", column.strip())
    return name if re.match(r"[A-Za-z]", name) else f"c_{name}"


@dataclass
class SeriesPrep:
    """What the tokenize stage learned from the training span."""

    numeric: list[str]                 #: targets first, then numeric features
    categorical: list[str]
    targets: list[str]
    mean: np.ndarray                   #: per numeric column
    std: np.ndarray
    categories: dict[str, list[str]]   #: per categorical column, sorted
    lookback: int
    horizon: int

    @property
    def n_features(self) -> int:
        return len(self.numeric) + sum(len(self.categories[c]) for c in self.categorical)

    @property
    def input_names(self) -> dict[str, str]:
        return {c: input_name(c) for c in self.numeric + self.categorical}

    def to_json(self) -> dict:
        return {"numeric": self.numeric, "categorical": self.categorical,
                "targets": self.targets, "mean": self.mean.tolist(), "std": self.std.tolist(),
                "categories": self.categories, "lookback": self.lookback,
                "horizon": self.horizon, "input_names": self.input_names}

    @classmethod
    def from_json(cls, d: dict) -> "SeriesPrep":
        return cls(d["numeric"], d["categorical"], d["targets"], np.array(d["mean"]),
                   np.array(d["std"]), d["categories"], d["lookback"], d["horizon"])

    def encode(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        """Model features [..., n_features] from raw values (numpy; the serving graph does
        the same in TF): standardized numbers (NaN -> 0, the mean), then one-hots."""
        x = (np.asarray(numeric, np.float64) - self.mean) / self.std
        parts = [np.nan_to_num(x, nan=0.0)]
        for j, c in enumerate(self.categorical):
            vocab = np.array(self.categories[c], dtype=object)
            parts.append(categorical[..., j:j + 1] == vocab)
        return np.concatenate(parts, axis=-1).astype(np.float32)

    def denormalize(self, y: np.ndarray) -> np.ndarray:
        """Normalized targets [..., n_targets] -> original units."""
        k = len(self.targets)
        return np.asarray(y, np.float64) * self.std[:k] + self.mean[:k]


@dataclass
class SplitArrays:
    """One split's records as arrays (rows in time order)."""

    numeric: np.ndarray                #: [rows, n_numeric] raw
    categorical: np.ndarray            #: [rows, n_categorical] str
    steps: np.ndarray
    context: np.ndarray                #: bool: history row, never a target
    imputed: np.ndarray                #: [rows, n_targets] bool: target value was filled in
    times: list[str]


def split_arrays(prep: SeriesPrep, records: list[dict]) -> SplitArrays:
    n = len(records)
    numeric = np.array([[r["values"][c] for c in prep.numeric] for r in records],
                       dtype=np.float64).reshape(n, len(prep.numeric))
    categorical = np.array([[r["values"][c] for c in prep.categorical] for r in records],
                           dtype=object).reshape(n, len(prep.categorical))
    imputed = np.array([[c in r.get("imputed", ()) for c in prep.targets] for r in records],
                       dtype=bool).reshape(n, len(prep.targets))
    return SplitArrays(numeric, categorical, np.array([r["step"] for r in records], np.int64),
                       np.array([bool(r.get("context")) for r in records], bool), imputed,
                       [r["time"] for r in records])


class SequencePrediction(Topology):
    """Forecasting: window of features -> recurrent stack -> Dense(horizon x targets)."""

    _prep: SeriesPrep | None = None  # example_inputs has no spec: the last prep loaded

    # ------------------------------------------------------------------ ingest
    def ingest(self, ctx) -> dict:
        spec, log = ctx.spec, ctx.log
        s = ts.load_series(spec, log)
        series = spec.data.series
        if spec.data.max_records_per_split:
            log.warning("ingest: data.max_records_per_split does not apply to a time series "
                        "and is ignored (slice the file instead)")
        context = max(series.lookback, series.seasonal_period or 0)
        records = ts.split_by_time(s, spec.data.split.val, spec.data.split.test, context)
        fractions = {"train": 1.0, "val": spec.data.split.val, "test": spec.data.split.test}
        splits = {}
        for name in SPLITS:
            recs = records[name]
            own = ts.scored(recs)
            steps = np.array([r["step"] for r in recs], np.int64)
            ctx_mask = np.array([bool(r.get("context")) for r in recs], bool)
            windows = len(ts.window_ends(steps, ctx_mask, series.lookback, series.horizon))
            if fractions[name] > 0 and windows == 0:
                bigger = f"a larger data.split.{name}" if name != "train" else \
                    "smaller data.split.val/test"
                raise DataError(
                    f"ingest: the {name} span has {len(own)} time step(s), no room for one "
                    f"window of {series.lookback} + {series.horizon} steps; use more data, "
                    f"{bigger} or a shorter lookback/horizon")
            splits[name] = {"steps": len(own), "context_steps": len(recs) - len(own),
                            "windows": windows,
                            "start": own[0]["time"] if own else None,
                            "end": own[-1]["time"] if own else None}
        numeric, categorical = ts.columns(series)
        mean, std = ts.normalization(records["train"], numeric)
        for name in SPLITS:
            write_jsonl(ctx.out / f"{name}.jsonl", records[name])
        write_jsonl(ctx.out / REJECTS_FILE, s.rejects)
        reasons: dict[str, int] = {}
        for r in s.rejects:
            key = r["reason"].split(": ")[0]
            reasons[key] = reasons.get(key, 0) + 1
        stats = {**s.stats, "reject_reasons": reasons, "splits": splits,
                 "train_normalization": {c: {"mean": float(m), "std": float(d)}
                                         for c, m, d in zip(numeric, mean, std)}}
        write_json(ctx.out / STATS_FILE, stats)
        self._plot_splits(spec, records, numeric[0], ctx.out / "series.png")

        missing = s.stats["missing"]
        log.info("ingest: %d time steps (frequency %s) from %s to %s; missing values per "
                 "column %s; "
                 "%d missing time step(s) inserted; policy %s filled %s%s", len(s.frame),
                 s.frequency, s.stats["start"], s.stats["end"], missing["values_per_column"],
                 missing["time_steps"], missing["policy"], missing["filled_per_column"],
                 f", dropped {missing['rows_dropped']} step(s)" if missing["rows_dropped"] else
                 f", trimmed {missing['leading_steps_trimmed']} leading step(s)"
                 if missing["leading_steps_trimmed"] else "")
        if s.rejects:
            log.warning("ingest: %d row(s) rejected (%s); details in %s", len(s.rejects),
                        ", ".join(f"{n} {r}" for r, n in reasons.items()),
                        ctx.workdir / "ingest" / REJECTS_FILE)
        log.info("ingest: %s", ", ".join(
            f"{k} {v['steps']} steps / {v['windows']} windows" for k, v in splits.items()))
        metrics = {f"ingest_{k}_records": v["steps"] for k, v in splits.items()}
        metrics.update({f"ingest_{k}_windows": v["windows"] for k, v in splits.items()})
        metrics.update({f"ingest_missing_{c}": n for c, n in missing["values_per_column"].items()})
        metrics.update(ingest_rejected_rows=len(s.rejects),
                       ingest_missing_time_steps=missing["time_steps"],
                       ingest_filled_values=sum(missing["filled_per_column"].values()),
                       ingest_rows_dropped=missing["rows_dropped"],
                       ingest_leading_steps_trimmed=missing["leading_steps_trimmed"])
        ctx.tracker.log_metrics(metrics)
        for name in (STATS_FILE, "series.png", REJECTS_FILE):
            ctx.tracker.log_artifact(ctx.out / name, "ingest")
        return {"records": {k: v["steps"] for k, v in splits.items()},
                "windows": {k: v["windows"] for k, v in splits.items()},
                "rejected": len(s.rejects), "missing_time_steps": missing["time_steps"],
                "missing_values": missing["values_per_column"]}

    @staticmethod
    def _plot_splits(spec, records, column, path):
        times = {k: pd.to_datetime([r["time"] for r in ts.scored(v)]) for k, v in records.items()}
        values = {k: [r["values"][column] for r in ts.scored(v)] for k, v in records.items()}
        ts.plot_series_splits(times, values, column, path,
                              title=f"{spec.name}: {column}, split by time")

    # ------------------------------------------------------------ preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        series = self._series(spec)
        numeric, categorical = ts.columns(series)
        mean, std = ts.normalization(train_records, numeric)
        own = ts.scored(train_records)
        categories = {c: sorted({str(r["values"][c]) for r in own} - {""}) for c in categorical}
        prep = SeriesPrep(numeric, categorical, list(series.targets), mean, std, categories,
                          series.lookback, series.horizon)
        names = list(prep.input_names.values())
        if len(set(names)) != len(names):
            raise DataError(f"data.series: columns {list(prep.input_names)} give clashing "
                            f"serving input names {names}; rename a column")
        write_json(out_dir / PREP_FILE, prep.to_json())
        summary = {"train_steps": len(own), "numeric_columns": len(numeric),
                   "categorical_columns": len(categorical),
                   "category_levels": sum(len(v) for v in categories.values()),
                   "n_features": prep.n_features}
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> SeriesPrep:
        prep = SeriesPrep.from_json(json.loads((prep_dir / PREP_FILE).read_text()))
        self._prep = prep
        return prep

    @staticmethod
    def _series(spec):
        if spec.data.series is None:
            raise SeqkerasError("the sequence_prediction topology needs data.series")
        return spec.data.series

    # ------------------------------------------------------------------- model
    def build_model(self, spec, prep: SeriesPrep):
        m, series = spec.model, self._series(spec)
        keras.utils.set_random_seed(spec.seed)
        window = keras.Input(shape=(prep.lookback, prep.n_features), dtype="float32",
                             name="window")
        x = recurrent_stack(window, m, return_sequences=False)
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        k = len(prep.targets)
        flat = keras.layers.Dense(prep.horizon * k, name="direct_multi_output")(x)
        out = keras.layers.Reshape((prep.horizon, k), name="forecast")(flat)
        model = keras.Model(window, out, name=f"{spec.name}_sequence_prediction")
        return compile_model(model, spec.train, series.loss,
                             [keras.metrics.MeanAbsoluteError(name="mae")])

    def make_dataset(self, spec, prep: SeriesPrep, records, training: bool):
        """Batches of (window [B, lookback, F], targets [B, horizon, T]), normalized.
        Training windows follow ``data.series.stride`` and are fully reshuffled each
        epoch (indices only, so the whole set fits any buffer); others: every window."""
        a = split_arrays(prep, records)
        ends = ts.window_ends(a.steps, a.context, prep.lookback, prep.horizon,
                              spec.data.series.stride if training else 1)
        if not len(ends):
            raise DataError(f"no window of {prep.lookback} + {prep.horizon} steps in "
                            f"{len(records)} record(s)")
        x = tf.constant(prep.encode(a.numeric, a.categorical))
        y = tf.constant(((a.numeric[:, :len(prep.targets)] - prep.mean[:len(prep.targets)])
                         / prep.std[:len(prep.targets)]).astype(np.float32))
        back = tf.range(-prep.lookback + 1, 1, dtype=tf.int64)
        ahead = tf.range(1, prep.horizon + 1, dtype=tf.int64)

        def gather(end):
            return tf.gather(x, end[:, None] + back), tf.gather(y, end[:, None] + ahead)

        ds = tf.data.Dataset.from_tensor_slices(ends)
        if training:
            ds = ds.shuffle(len(ends), seed=spec.seed, reshuffle_each_iteration=True)
        ds = ds.batch(spec.train.batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        return ds.prefetch(tf.data.AUTOTUNE)

    # ---------------------------------------------------------------- evaluate
    def evaluate(self, spec, prep: SeriesPrep, model, records, out_dir: Path) -> dict:
        series = self._series(spec)
        a = split_arrays(prep, records)
        ends = ts.window_ends(a.steps, a.context, prep.lookback, prep.horizon)
        k, h_max = len(prep.targets), prep.horizon
        y_raw = a.numeric[:, :k]
        naive = ts.naive_forecast(y_raw, ends, h_max)
        seasonal = None
        if series.seasonal_period:
            seasonal, ok = ts.seasonal_naive_forecast(y_raw, a.steps, ends, h_max,
                                                      series.seasonal_period)
            if not ok.all():  # every method is scored on the same windows
                ends, naive, seasonal = ends[ok], naive[ok], seasonal[ok]
        if not len(ends):
            raise DataError("evaluate: no test window to score")
        windows = ts.gather_windows(prep.encode(a.numeric, a.categorical), ends, prep.lookback)
        pred_norm = model.predict(windows, batch_size=256, verbose=0)
        pred = prep.denormalize(pred_norm)
        truth = ts.gather_targets(y_raw, ends, h_max)
        mask = ~ts.gather_targets(a.imputed, ends, h_max)
        truth_norm = (truth - prep.mean[:k]) / prep.std[:k]
        err = pred_norm - truth_norm
        loss = float(np.mean(err ** 2) if series.loss == "mse" else np.mean(np.abs(err)))

        methods = {"": ts.horizon_metrics(truth, pred, mask),
                   "naive_": ts.horizon_metrics(truth, naive, mask)}
        if seasonal is not None:
            methods["seasonal_naive_"] = ts.horizon_metrics(truth, seasonal, mask)
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
                    m = ts.horizon_metrics(truth[..., j:j + 1], forecast[..., j:j + 1],
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
        self._plots(spec, prep, a, ends, pred, naive, methods, out_dir)
        return out

    def _plots(self, spec, prep, a, ends, pred, naive, methods, out_dir):
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
        ts.plot_forecast(actual_times, actual, forecasts, target,
                         out_dir / "forecast_vs_actual.png",
                         title=f"{spec.name}: {target} forecast vs actual (test span)")
        names = {"": "model", "naive_": "persistence", "seasonal_naive_": "seasonal naive"}
        ts.plot_error_by_horizon({names[p]: m["mae_step"] for p, m in methods.items()},
                                 out_dir / "error_by_horizon.png",
                                 title=f"{spec.name}: test MAE by steps ahead")

    # ----------------------------------------------------------------- serving
    def serving_endpoints(self, spec, prep: SeriesPrep, model) -> dict:
        self._prep = prep
        n_num, k = len(prep.numeric), len(prep.targets)
        mean = tf.constant(prep.mean, tf.float32)
        std = tf.constant(prep.std, tf.float32)
        t_mean, t_std = mean[:k], std[:k]
        vocabularies = [tf.constant(prep.categories[c], dtype=tf.string)
                        for c in prep.categorical]
        target_names = tf.constant(prep.targets, dtype=tf.string)

        def serve(*columns):
            x = (tf.stack(columns[:n_num], axis=-1) - mean) / std
            parts = [tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)]
            for values, vocab in zip(columns[n_num:], vocabularies):
                parts.append(tf.cast(tf.equal(values[..., None], vocab), tf.float32))
            features = tf.concat(parts, axis=-1) if len(parts) > 1 else parts[0]
            forecast = model(features, training=False) * t_std + t_mean
            n = tf.shape(forecast)[0]
            return {"forecast": forecast,
                    "target_names": tf.tile(target_names[None, :], [n, 1])}

        names = prep.input_names
        signature = ([tf.TensorSpec([None, prep.lookback], tf.float32, name=names[c])
                      for c in prep.numeric]
                     + [tf.TensorSpec([None, prep.lookback], tf.string, name=names[c])
                        for c in prep.categorical])
        return {"serving_default": (serve, signature)}

    def trackables(self, prep) -> list:
        return []  # normalization and categories are constants in the graph

    def example_inputs(self, records, n: int) -> dict:
        """Raw windows from across the split (numeric float32, categorical str), in the
        order of the serving signature."""
        prep = self._prep
        if prep is None:
            raise SeqkerasError("example_inputs needs the preprocessor: call "
                                "load_preprocessor or serving_endpoints first")
        a = split_arrays(prep, records)
        ends = ts.window_ends(a.steps, a.context, prep.lookback, prep.horizon)
        if not len(ends):
            raise DataError("no window to build example inputs from")
        pick = ends[np.unique(np.linspace(0, len(ends) - 1, min(n, len(ends))).round().astype(int))]
        names = prep.input_names
        out = {}
        for j, c in enumerate(prep.numeric):
            windows = ts.gather_windows(a.numeric[:, j], pick, prep.lookback)
            out[names[c]] = windows.astype(np.float32)
        for j, c in enumerate(prep.categorical):
            windows = ts.gather_windows(a.categorical[:, j], pick, prep.lookback)
            out[names[c]] = windows.astype(object)
        return out

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        """Each argument is a CSV window (header with the original column names); its last
        ``lookback`` rows are used. Returns the serving inputs for the batch of windows."""
        specs = dict(signature_inputs)
        per_input: dict[str, list] = {name: [] for name in specs}
        for path in args:
            if not Path(path).is_file():
                raise SeqkerasError(f"{path}: not a file; sequence_prediction reads each "
                                    "window from a CSV file with one row per time step")
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            by_name = {input_name(c): c for c in frame.columns}
            for name, spec in specs.items():
                if name not in by_name:
                    raise SeqkerasError(f"{path}: no column for input {name!r} (columns: "
                                        f"{', '.join(frame.columns)})")
                lookback = spec.shape[1]
                column = frame[by_name[name]]
                if lookback is not None and len(column) < lookback:
                    raise SeqkerasError(f"{path}: {len(column)} row(s); the model reads "
                                        f"windows of {lookback}")
                column = column.iloc[-lookback:] if lookback else column
                if spec.dtype == tf.string:
                    per_input[name].append(column.str.strip().to_numpy(object))
                else:
                    text = column.str.strip()
                    na = text.str.lower().isin(ts.NA_STRINGS)
                    values = pd.to_numeric(text.where(~na, None), errors="coerce")
                    bad = values.isna() & ~na
                    if bad.any():
                        raise SeqkerasError(f"{path}: column {by_name[name]!r} has a value "
                                            f"that is not a number: {text[bad].iloc[0]!r}")
                    per_input[name].append(values.to_numpy(np.float32))
        self._predict_sources = list(args)
        return {name: np.stack(v) for name, v in per_input.items()}

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        forecast = np.asarray(outputs["forecast"])
        names = [as_text(n) for n in np.asarray(outputs["target_names"])[0]] \
            if len(forecast) else []
        sources = getattr(self, "_predict_sources", None) or []
        lines = []
        for b, window in enumerate(forecast):
            label = f" ({sources[b]})" if b < len(sources) else ""
            lines.append(f"window {b + 1}{label}: forecast for the next {len(window)} steps")
            lines.append("  step  " + "  ".join(f"{n:>10}" for n in names))
            for h, row in enumerate(window):
                lines.append(f"  {'+' + str(h + 1):>4}  " + "  ".join(f"{v:>10.3f}" for v in row))
        return lines
