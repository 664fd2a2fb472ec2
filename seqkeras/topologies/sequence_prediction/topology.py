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
    normalized with the training span's mean and standard deviation; imputed target
    values weigh 0 (``make_dataset``), so they are left out of the loss.

Target transforms (``data.series.target_transform``, ``INVERSIONS``), inverted in the graph
    ``residual_naive``: the Dense layer outputs the change from the window's last target
    value (``NaiveResidual``); ``residual_seasonal_naive``: from the value one
    ``seasonal_period`` before each step ahead (``SeasonalNaiveResidual``);
    ``difference``: step-to-step differences, summed onto the last value
    (``DifferencedForecast``); ``none``: the values. A zero output forecasts persistence
    or seasonal naive exactly. ``auto`` is resolved at ingest on the val span
    (``transforms.py``) and recorded in ``series_preprocessor.json``.
    ``target_scale: log``: the targets are read as log1p (inputs and outputs), the
    forecast is expm1 of the model's: original units either way.

Calendar features (``data.series.calendar``, ``time_zone``)
    sin/cos of hour of day, day of week, day of year, month, computed inside the model
    (``CalendarFeatures``) from an int64 ``timestamp`` input (Unix seconds of each window
    step) in the time zone's local time, and appended to every step of the window.

Data (``data.series``; reading and filling: ``series.py``, ``time_split.py``, ``ingest.py``)
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
    seen in training; an unknown one is all zeros). With calendar features the model takes
    ``{"window": that, "timestamp": int64 [None, lookback]}``.

Serving (``serving_default``, ``serving.py``), one input per column
    Every input column is its own input named after it (characters other than letters,
    digits and ``_`` become ``_``: ``pm2.5`` -> ``pm2_5``): numeric columns ``float32
    [None, lookback]`` and categorical columns ``string [None, lookback]``, raw values in
    original units, oldest step first. Self-describing (``saved_model_cli show`` lists the
    columns by name) and a TF Serving REST instance reads as a table::

        {"instances": [{"pm2_5": [...72 values], "DEWP": [...], "cbwd": ["NW", ...], ...,
                        "timestamp": [...72 Unix seconds]}]}

    With calendar features (``data.series.calendar``: ``auto`` by default, ``[]`` for
    none) one more input: ``timestamp`` int64 ``[None, lookback]``, the Unix seconds
    (since 1970-01-01 UTC) of each step, whatever the time zone (the graph holds the
    zone's UTC offsets as constants).

    The graph takes log1p of the targets (``target_scale: log``), standardizes (a NaN
    becomes the training mean), one-hot encodes with ``tf.equal`` against constant
    category lists, runs the model (calendar features and the target transform's
    inversion are inside it) and de-normalizes (expm1 on the log scale), with core TF ops
    only. Outputs: ``forecast`` float32 ``[None, horizon, n_targets]`` in original units,
    ``target_names`` string ``[None, n_targets]``.

``seqkeras predict models/NAME window.csv [more.csv ...]``
    Each CSV (header row with the original column names; extra columns are ignored) is one
    window: its last ``lookback`` rows are sent. ``NA`` and empty cells are missing values.
    With calendar features the ``timestamp`` input is read from the CSV's time column(s),
    parsed as in training (``time_format``, ``time_zone``; kept in the export's
    ``assets.extra/seqkeras.json`` under ``predict``).

Metrics (original units, test span; ``evaluation.py``, ``baselines.py``)
    ``mae``/``rmse`` overall and per step (``mae_step_1`` .. ``mae_step_H``), the same for
    persistence (``naive_*``: last observed value repeated) and seasonal-naive
    (``seasonal_naive_*``: the value one ``seasonal_period`` earlier) on the same windows,
    and skill ratios model/baseline (``skill_vs_naive``: below 1 beats persistence).
"""


from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.errors import DataError, SeqkerasError
from seqkeras.ingest.result import STATS_FILE
from seqkeras.io.atomic import read_json, write_json
from seqkeras.layers.calendar_features import CalendarFeatures
from seqkeras.layers.differenced_forecast import DifferencedForecast
from seqkeras.layers.naive_residual import NaiveResidual
from seqkeras.layers.seasonal_naive_residual import SeasonalNaiveResidual
from seqkeras.layers.steps_ahead import StepsAhead
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.topologies.base import Topology
from seqkeras.topologies.sequence_prediction import evaluation, serving
from seqkeras.topologies.sequence_prediction.calendar import (resolved_calendar, step_seconds,
                                                              utc_offsets)
from seqkeras.topologies.sequence_prediction.ingest import read_series_records
from seqkeras.topologies.sequence_prediction.prep import (PREP_FILE, SeriesPrep, series_spec,
                                                          split_arrays)
from seqkeras.topologies.sequence_prediction.series import columns
from seqkeras.topologies.sequence_prediction.time_split import scored
from seqkeras.topologies.sequence_prediction.transforms import resolved_transform
from seqkeras.topologies.sequence_prediction.baseline import forecasting_baseline
from seqkeras.topologies.sequence_prediction.baselines import horizon_metrics
from seqkeras.topologies.sequence_prediction.windows import window_ends
from seqkeras.training.batching import prefetched
from seqkeras.training.epoch_metrics import ValidationMetrics
from seqkeras.training.optimizers import compile_model


#: target_transform -> the layer that adds the network's output [B, H, K] to what it is a
#: change from, read from the window (``none``: the output is the forecast itself).
INVERSIONS = {
    "residual_naive": lambda prep, k: NaiveResidual(k, name="forecast"),
    "residual_seasonal_naive": lambda prep, k: SeasonalNaiveResidual(
        k, prep.seasonal_period, name="forecast"),
    "difference": lambda prep, k: DifferencedForecast(k, name="forecast"),
}


class SequencePrediction(Topology):
    """Forecasting: window of features -> recurrent stack -> Dense(horizon x targets)."""

    _prep: SeriesPrep | None = None  # example_inputs has no spec: the last prep loaded
    _export_metadata: dict = {}      # predict: what the export recorded (export_metadata)

    # ------------------------------------------------------------------ ingest
    def ingest(self, spec, log):
        """The series split by time, as time-step records (see ``ingest.py``)."""
        return read_series_records(spec, log)

    # ------------------------------------------------------------ preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        """Normalization (of the targets on their ``target_scale``) and category lists
        from the training span; the target transform (``auto`` as ingest chose it, read
        from ``ingest/stats.json`` beside ``out_dir``)."""
        series = series_spec(spec)
        numeric, categorical = columns(series)
        own = scored(train_records)
        if not own:
            raise DataError("normalization needs at least one training time step")
        categories = {c: sorted({str(r["values"][c]) for r in own} - {""}) for c in categorical}
        stats_path = Path(out_dir).parent / "ingest" / STATS_FILE
        stats = read_json(stats_path) if stats_path.exists() else None
        transform = resolved_transform(series, stats)
        prep = SeriesPrep(numeric, categorical, list(series.targets), np.zeros(len(numeric)),
                          np.ones(len(numeric)), categories, series.lookback, series.horizon,
                          transform, series.target_scale, series.seasonal_period,
                          resolved_calendar(series, stats, own), series.time_zone,
                          step_seconds(stats) if series.calendar_ahead else None)
        x = prep.scale(np.array([[r["values"][c] for c in numeric] for r in own], np.float64))
        prep.mean, prep.std = x.mean(0), np.where(x.std(0) > 1e-12, x.std(0), 1.0)
        names = prep.serving_names
        if len(set(names)) != len(names):
            raise DataError(f"data.series: columns {list(prep.input_names)} give clashing "
                            f"serving input names {names}; rename a column")
        write_json(out_dir / PREP_FILE, prep.to_json())
        summary = {"train_steps": len(own), "numeric_columns": len(numeric),
                   "categorical_columns": len(categorical),
                   "category_levels": sum(len(v) for v in categories.values()),
                   "n_features": prep.n_features, "target_transform": transform,
                   "calendar": ",".join(prep.calendar) or "none"}
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> SeriesPrep:
        prep = SeriesPrep.from_json(json.loads((prep_dir / PREP_FILE).read_text()))
        if prep.target_transform is None:  # written before transforms were recorded
            prep.target_transform = series_spec(spec).target_transform
        self._prep = prep
        return prep

    # ------------------------------------------------------------------- model
    def build_model(self, spec, prep: SeriesPrep):
        m, series = spec.model, series_spec(spec)
        keras.utils.set_random_seed(spec.seed)
        window = keras.Input(shape=(prep.lookback, prep.n_features), dtype="float32",
                             name="window")
        inputs, features = {"window": window}, window
        if prep.calendar:  # sin/cos of the clock, from the raw Unix seconds, in the graph
            inputs["timestamp"] = keras.Input(shape=(prep.lookback,), dtype="int64",
                                              name="timestamp")
            transitions, offsets = utc_offsets(prep.time_zone)
            calendar = CalendarFeatures(prep.calendar, transitions, offsets,
                                        name="calendar")(inputs["timestamp"])
            features = keras.layers.Concatenate(name="window_and_calendar")([window, calendar])
        x = recurrent_stack(features, m, return_sequences=False)
        if prep.calendar and prep.step_seconds:  # the calendar of the steps forecast
            ahead = StepsAhead(prep.horizon, prep.step_seconds,
                               name="steps_ahead")(inputs["timestamp"])
            future = CalendarFeatures(prep.calendar, transitions, offsets,
                                      name="calendar_ahead")(ahead)
            x = keras.layers.Concatenate(name="state_and_calendar_ahead")(
                [x, keras.layers.Flatten(name="calendar_ahead_flat")(future)])
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        k = len(prep.targets)
        flat = keras.layers.Dense(prep.horizon * k, name="direct_multi_output")(x)
        invert = INVERSIONS.get(prep.target_transform)
        if invert is not None:
            change = keras.layers.Reshape((prep.horizon, k), name="forecast_change")(flat)
            out = invert(prep, k)([change, window])
        else:
            out = keras.layers.Reshape((prep.horizon, k), name="forecast")(flat)
        model = keras.Model(inputs if prep.calendar else window, out, name=f"{spec.name}_sequence_prediction")
        return compile_model(model, spec.train, series.loss,
                             [keras.metrics.MeanAbsoluteError(name="mae")])

    def make_dataset(self, spec, prep: SeriesPrep, records, training: bool):
        """Batches of (window [B, lookback, F], targets [B, horizon, T], sample weights
        [B, horizon] float32), targets normalized. A step's weight is the share of its
        targets that were observed (1) rather than imputed (0 when all were filled in), so
        filled values never train the model nor count in its loss. Training windows
        follow ``data.series.stride`` and are fully reshuffled each epoch (indices only,
        so the whole set fits any buffer); others: every window."""
        a = split_arrays(prep, records)
        ends = window_ends(a.steps, a.context, prep.lookback, prep.horizon,
                           spec.data.series.stride if training else 1)
        if not len(ends):
            raise DataError(f"no window of {prep.lookback} + {prep.horizon} steps in "
                            f"{len(records)} record(s)")
        x = tf.constant(prep.encode(a.numeric, a.categorical))
        y = tf.constant(prep.normalize_targets(a.numeric[:, :len(prep.targets)])
                        .astype(np.float32))
        seconds = tf.constant(prep.seconds(a) if prep.calendar else np.zeros(0), tf.int64)
        w = tf.constant((1.0 - a.imputed.mean(axis=1)).astype(np.float32))
        back = tf.range(-prep.lookback + 1, 1, dtype=tf.int64)
        ahead = tf.range(1, prep.horizon + 1, dtype=tf.int64)

        def gather(end):
            targets, steps = end[:, None] + ahead, end[:, None] + back
            inputs = tf.gather(x, steps)
            if prep.calendar:
                inputs = {"window": inputs, "timestamp": tf.gather(seconds, steps)}
            return inputs, tf.gather(y, targets), tf.gather(w, targets)

        ds = tf.data.Dataset.from_tensor_slices(ends)
        if training:
            ds = ds.shuffle(len(ends), seed=spec.seed, reshuffle_each_iteration=True)
        ds = ds.batch(spec.train.batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        return prefetched(ds)

    # ---------------------------------------------------------------- evaluate
    def evaluate(self, spec, prep: SeriesPrep, model, records, out_dir: Path) -> dict:
        return evaluation.evaluate(spec, prep, model, records, out_dir)

    def epoch_callbacks(self, spec, prep: SeriesPrep, val_records) -> list:
        """``val_forecast_mae``: the MAE in original units over every val window (the
        test metric; Keras's ``val_mae`` is on normalized targets)."""
        try:
            _, ends, _, _, truth, mask = evaluation.scored_windows(spec, prep, val_records)
        except DataError:
            return []
        windows = prep.model_inputs(split_arrays(prep, val_records), ends)

        def compute(model):
            pred = prep.denormalize(model.predict(windows, batch_size=256, verbose=0))
            return {"forecast_mae": horizon_metrics(truth, pred, mask)["mae"]}
        return [ValidationMetrics(compute, f"{len(ends):,} val windows")]

    def baseline(self, spec, prep: SeriesPrep, train, val, test, out_dir: Path):
        """Persistence, seasonal-naive and a linear autoregressive model (``baseline.py``)."""
        return forecasting_baseline(spec, prep, train, val, test)

    # ----------------------------------------------------------------- serving
    def serving_endpoints(self, spec, prep: SeriesPrep, model) -> dict:
        self._prep = prep
        return {"serving_default": serving.serving_function(prep, model)}

    def trackables(self, prep) -> list:
        return []  # normalization and categories are constants in the graph

    def example_inputs(self, records, n: int) -> dict:
        """Raw windows from across the split (numeric float32, categorical str), in the
        order of the serving signature. Raises SeqkerasError before a preprocessor was
        loaded, DataError when the records hold no window."""
        if self._prep is None:
            raise SeqkerasError("example_inputs needs the preprocessor: call "
                                "load_preprocessor or serving_endpoints first")
        return serving.example_windows(self._prep, records, n)

    def export_metadata(self, spec, prep: SeriesPrep) -> dict:
        """How the window CSVs' time column(s) are written (``seqkeras predict`` turns
        them into the ``timestamp`` input): ``{"time", "time_format", "time_zone"}``."""
        series = series_spec(spec)
        return {"time": series.time, "time_format": series.time_format,
                "time_zone": series.time_zone}

    def use_export_metadata(self, metadata: dict) -> None:
        self._export_metadata = dict(metadata)

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        """Each argument is a CSV window (header with the original column names); its last
        ``lookback`` rows are used. Returns the serving inputs for the batch of windows."""
        inputs = serving.read_csv_windows(signature_inputs, args,
                                          serving.time_reader(self._export_metadata))
        self._predict_sources = list(args)
        return inputs

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        return serving.format_forecasts(outputs, getattr(self, "_predict_sources", None) or [])
