"""train: fit the model (tuned values applied), then evaluate on the test split.

Per-epoch metrics go to MLflow as they happen; test metrics are logged as
``test_<metric>``; the learning curves and the topology's plots are artifacts.

A broken model never leaves this stage: training stops with a ModelError as soon as
the loss is not finite (a learning rate of 1e9 diverges within a step), and the
weights are checked before they are saved.

Every run trains the topology's baseline on the same splits (``Topology.baseline``:
scikit-learn models and trivial floors such as the majority class or the persistence
forecast) and logs ``baseline_test_<metric>`` and ``skill_<metric>`` beside the model's
figures; a model that loses to any of them ends the stage with one WARNING line and the
MLflow tag ``quality.below_baseline=true`` (``seqkeras.baselines``).
"""

from __future__ import annotations

import logging
import math
import sys
import time

import keras
import numpy as np

from seqkeras import plots
from seqkeras.baselines.report import run_baseline
from seqkeras.errors import ModelError
from seqkeras.io.atomic import read_json, read_jsonl, write_json
from seqkeras.stages.auto import report, resolved_spec
from seqkeras.stages.tune import BEST_FILE
from seqkeras.training.distribute import strategy_scope
from seqkeras.training.precision import float32_copy, training_precision
from seqkeras.training.schedules import CosineDecay, steps_hint

MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"
log = logging.getLogger("seqkeras")


class ProgressLog(keras.callbacks.Callback):
    """A log line every ``every`` seconds inside an epoch, for runs without a terminal
    (make, CI, nohup) where Keras would otherwise stay silent until the epoch ends."""

    def __init__(self, epochs: int, every: float = 30.0):
        super().__init__()
        self.epochs, self.every = epochs, every

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.started = epoch, time.monotonic()
        self.last = self.started

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            values = ", ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items())
            log.info("train: epoch %d/%d, step %d, %.0f s: %s", self.epoch + 1, self.epochs,
                     batch + 1, now - self.started, values)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise ModelError on the first batch (or validation) whose loss is NaN or infinite;
    unlike ``keras.callbacks.TerminateOnNaN`` it fails the stage instead of ending
    training quietly with a broken model."""

    def __init__(self, spec):
        super().__init__()
        self.spec, self.epoch = spec, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _check(self, key, value, where):
        if value is None:
            return
        value = float(value)
        if not math.isfinite(value):
            t = self.spec.train
            raise ModelError(
                f"train: the {key} became {value} at epoch {self.epoch + 1}{where} "
                f"(train.learning_rate {t.learning_rate}, train.clipnorm {t.clipnorm}); the "
                "model diverged and was not saved (the previous one is kept). Lower "
                "train.learning_rate, set train.clipnorm, or look for extreme values in "
                "the data")

    def on_train_batch_end(self, batch, logs=None):
        self._check("loss", (logs or {}).get("loss"), f", step {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._check("validation loss", (logs or {}).get("val_loss"), "")


def check_finite_weights(model, what: str = "train") -> None:
    """Raise ModelError naming the first weights that hold NaN or infinity."""
    bad = [w.path for w in model.weights
           if np.asarray(w.numpy()).dtype.kind == "f" and not np.isfinite(w.numpy()).all()]
    if bad:
        raise ModelError(f"{what}: {len(bad)} weight tensor(s) hold NaN or infinity "
                         f"({', '.join(bad[:3])}); the model is unusable and was not "
                         "saved. Lower train.learning_rate or set train.clipnorm")


def callbacks(spec, out, tracker, epoch_metrics: list | None = None,
              train_records: int | None = None) -> list:
    """The fit's callbacks: the topology's ``epoch_metrics`` first (they put the task
    metrics computed on val into the epoch's logs, so everything after them sees them),
    then MLflow, the non-finite-loss check, early stopping, the learning-rate schedule
    and the best-epoch checkpoint, all watching ``spec.monitor(...)`` (the topology's
    model-selection metric unless the YAML names one). ``train_records``: the training
    split's size, for the cosine schedule's first epoch (None: it waits for a count)."""
    cbs = list(epoch_metrics or []) + [tracker.keras_callback(), StopOnNonFiniteLoss(spec)]
    if not sys.stderr.isatty():
        cbs.append(ProgressLog(spec.train.epochs))
    es = spec.train.early_stopping
    if es is not None:
        monitor = spec.monitor(es.monitor)
        cbs.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=es.patience,
                                                 mode=spec.metric_direction(monitor,
                                                                            es.direction),
                                                 restore_best_weights=es.restore_best_weights,
                                                 verbose=1))
    if spec.train.learning_rate_schedule == "cosine":
        t = spec.train  # the first epoch's steps from a hint; later ones are counted
        cbs.append(CosineDecay(t.epochs, steps_hint(train_records, t.batch_size,
                                                    t.steps_per_epoch)))
    lr = spec.train.reduce_lr_on_plateau
    if lr is not None:
        monitor = spec.monitor(lr.monitor)
        cbs.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=lr.factor,
                                                     mode=spec.metric_direction(monitor,
                                                                                lr.direction),
                                                     patience=lr.patience, min_lr=lr.min_lr,
                                                     verbose=1))
    watched = spec.monitor(es.monitor if es else None)
    cbs.append(keras.callbacks.ModelCheckpoint(
        str(out / "checkpoint.keras"), monitor=watched, save_best_only=True,
        mode=spec.metric_direction(watched, es.direction if es else None)))
    return cbs


def run(ctx) -> dict:
    topology = ctx.topology
    tuned = read_json(ctx.input("tune") / BEST_FILE)
    spec = ctx.spec.with_overrides(tuned) if tuned else ctx.spec
    if tuned:
        ctx.log.info("train: using tuned values %s", tuned)
    spec, chosen = resolved_spec(spec, ctx.input("tokenize"))
    report(ctx, chosen)
    keras.utils.set_random_seed(spec.seed)
    prep = topology.load_preprocessor(spec, ctx.input("tokenize"))
    ingest = ctx.input("ingest")
    train, val, test = (read_jsonl(ingest / f"{s}.jsonl") for s in ("train", "val", "test"))
    if spec.train.batch_size > len(train):
        ctx.log.warning("WARNING: train.batch_size %d is larger than the training split (%d "
                        "records): every epoch is a single step", spec.train.batch_size,
                        len(train))
        # the same batches, without asking TensorFlow for a batch of 10**22 examples
        spec = spec.with_overrides({"train.batch_size": max(len(train), 1)})
    train_ds = topology.make_dataset(spec, prep, train, training=True)
    val_ds = topology.make_dataset(spec, prep, val, training=False) if val else None
    with strategy_scope(spec.train) as strategy, training_precision(spec.train.precision):
        model = topology.build_model(spec, prep)  # train.distribute, train.precision
    fixed = topology.fit_fixed_weights(spec, prep, model, train)
    if fixed:
        ctx.log.info("train: fixed weights from the training split: %s",
                     ", ".join(f"{k} {v}" for k, v in fixed.items()))
    epoch_metrics = topology.epoch_callbacks(spec, prep, val) if val else []

    ctx.log.info("train: %d train / %d val records, up to %d epochs", len(train), len(val),
                 spec.train.epochs)
    started = time.monotonic()
    history = model.fit(train_ds, validation_data=val_ds, epochs=spec.train.epochs,
                        steps_per_epoch=spec.train.steps_per_epoch,
                        callbacks=callbacks(spec, ctx.out, ctx.tracker, epoch_metrics,
                                            len(train)),
                        verbose=1 if sys.stderr.isatty() else 2)
    seconds = time.monotonic() - started
    if spec.train.precision != "float32":  # saved, evaluated and exported in float32
        model = float32_copy(lambda: topology.build_model(spec, prep), model)
    check_finite_weights(model)
    model.save(ctx.out / MODEL_FILE)
    (ctx.out / "checkpoint.keras").unlink(missing_ok=True)  # the saved model is the best one
    write_json(ctx.out / "history.json", history.history)
    plots.learning_curves(history.history, ctx.out / "learning_curves.png",
                          title=f"{spec.name}: learning curves")

    test_metrics = topology.evaluate(spec, prep, model, test or val, ctx.out)
    metrics = {f"test_{k}": v for k, v in test_metrics.items()}
    metrics.update(train_seconds=seconds, epochs_run=len(history.epoch))
    if strategy is not None:
        metrics["train_replicas"] = strategy.num_replicas_in_sync
    write_json(ctx.out / METRICS_FILE, metrics)
    ctx.tracker.log_metrics(metrics)
    compared = run_baseline(topology, spec, prep, (train, val, test or val), metrics,
                            ctx.out, ctx.tracker)
    warning = compared.pop("baseline_warning", None)
    metrics.update(compared)
    write_json(ctx.out / METRICS_FILE, metrics)
    for path in sorted(ctx.out.glob("*.png")) + sorted(ctx.out.glob("*.json")):
        ctx.tracker.log_artifact(path, "train")
    ctx.log.info("train: %s", ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    if warning:  # the last line of the stage, where the user looks
        ctx.log.warning("WARNING: train: %s", warning)
    return dict(metrics, baseline_warning=warning) if warning else metrics
