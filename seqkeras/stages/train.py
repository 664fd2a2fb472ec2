"""train: fit the model (tuned values applied), then evaluate on the test split.

Per-epoch metrics go to MLflow as they happen; test metrics are logged as
``test_<metric>``; the learning curves and the topology's plots are artifacts.

A broken model never leaves this stage: training stops with a ModelError as soon as
the loss is not finite (a learning rate of 1e9 diverges within a step), and the
weights are checked before they are saved. A model that finishes but is no better than
the trivial answer (the majority class, the persistence forecast) is flagged with a
WARNING line and the MLflow tag ``quality.baseline``.
"""

from __future__ import annotations

import collections
import logging
import math
import sys
import time

import keras
import numpy as np

from seqkeras import plots
from seqkeras.errors import ModelError
from seqkeras.io.atomic import read_json, read_jsonl, write_json
from seqkeras.stages.tune import BEST_FILE

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


def baseline_flags(metrics: dict, train: list[dict], test: list[dict]) -> dict[str, str]:
    """Trivial answers the model does not beat: {baseline: explanation}.

    Classification (records with ``label``): always answering the most frequent training
    label; tagging (``tags``): tagging every token with the most frequent training tag;
    forecasting: the persistence (naive) forecast, via the topology's ``skill_vs_naive``
    (model MAE / persistence MAE, not below 1 means no better).
    """
    flags = {}
    labels = collections.Counter(r["label"] for r in train if "label" in r)
    scored = [r for r in test if r.get("label") in labels]
    if len(labels) >= 2 and scored and "test_accuracy" in metrics:
        top, _ = labels.most_common(1)[0]
        share = sum(r["label"] == top for r in scored) / len(scored)
        if metrics["test_accuracy"] <= share + 1e-9:
            flags["majority_class"] = (
                f"test accuracy {metrics['test_accuracy']:.4f} is no better than always "
                f"answering the majority class {top!r} ({share:.4f})")
    tags = collections.Counter(t for r in train for t in r.get("tags", []))
    test_tags = [t for r in test for t in r.get("tags", [])]
    if len(tags) >= 2 and test_tags and "test_token_accuracy" in metrics:
        top, _ = tags.most_common(1)[0]
        share = sum(t == top for t in test_tags) / len(test_tags)
        if metrics["test_token_accuracy"] <= share + 1e-9:
            flags["majority_tag"] = (
                f"test token accuracy {metrics['test_token_accuracy']:.4f} is no better "
                f"than tagging every token {top!r} ({share:.4f})")
    skill = metrics.get("test_skill_vs_naive")
    if skill is not None and not skill < 1.0:
        flags["persistence"] = (f"test MAE is {skill:.3f} x that of the persistence (naive) "
                                "forecast: no better than repeating the last value")
    return flags


def callbacks(spec, out, tracker) -> list:
    cbs = [tracker.keras_callback(), StopOnNonFiniteLoss(spec)]
    if not sys.stderr.isatty():
        cbs.append(ProgressLog(spec.train.epochs))
    es = spec.train.early_stopping
    if es is not None:
        cbs.append(keras.callbacks.EarlyStopping(monitor=es.monitor, patience=es.patience,
                                                 mode=spec.metric_direction(es.monitor,
                                                                            es.direction),
                                                 restore_best_weights=es.restore_best_weights,
                                                 verbose=1))
    lr = spec.train.reduce_lr_on_plateau
    if lr is not None:
        cbs.append(keras.callbacks.ReduceLROnPlateau(monitor=lr.monitor, factor=lr.factor,
                                                     mode=spec.metric_direction(lr.monitor,
                                                                                lr.direction),
                                                     patience=lr.patience, min_lr=lr.min_lr,
                                                     verbose=1))
    cbs.append(keras.callbacks.ModelCheckpoint(
        str(out / "checkpoint.keras"), monitor=es.monitor if es else "val_loss",
        save_best_only=True))
    return cbs


def run(ctx) -> dict:
    topology = ctx.topology
    tuned = read_json(ctx.input("tune") / BEST_FILE)
    spec = ctx.spec.with_overrides(tuned) if tuned else ctx.spec
    if tuned:
        ctx.log.info("train: using tuned values %s", tuned)
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
    model = topology.build_model(spec, prep)

    ctx.log.info("train: %d train / %d val examples, up to %d epochs", len(train), len(val),
                 spec.train.epochs)
    started = time.monotonic()
    history = model.fit(train_ds, validation_data=val_ds, epochs=spec.train.epochs,
                        steps_per_epoch=spec.train.steps_per_epoch,
                        callbacks=callbacks(spec, ctx.out, ctx.tracker),
                        verbose=1 if sys.stderr.isatty() else 2)
    seconds = time.monotonic() - started
    check_finite_weights(model)
    model.save(ctx.out / MODEL_FILE)
    (ctx.out / "checkpoint.keras").unlink(missing_ok=True)  # the saved model is the best one
    write_json(ctx.out / "history.json", history.history)
    plots.learning_curves(history.history, ctx.out / "learning_curves.png",
                          title=f"{spec.name}: learning curves")

    test_metrics = topology.evaluate(spec, prep, model, test or val, ctx.out)
    metrics = {f"test_{k}": v for k, v in test_metrics.items()}
    metrics.update(train_seconds=seconds, epochs_run=len(history.epoch))
    write_json(ctx.out / METRICS_FILE, metrics)
    ctx.tracker.log_metrics(metrics)
    flags = baseline_flags(metrics, train, test or val)
    for text in flags.values():
        ctx.log.warning("WARNING: train: %s; the model is flagged in MLflow "
                        "(tag quality.baseline)", text)
    ctx.tracker.set_tags({"quality.baseline": "; ".join(flags.values()) if flags
                          else "beats the trivial baselines checked"})
    for path in sorted(ctx.out.glob("*.png")) + sorted(ctx.out.glob("*.json")):
        ctx.tracker.log_artifact(path, "train")
    ctx.log.info("train: %s", ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    return dict(metrics, baseline_flags=flags) if flags else metrics
