"""train: fit the model (tuned values applied), then evaluate on the test split.

Per-epoch metrics go to MLflow as they happen; test metrics are logged as
``test_<metric>``; the learning curves and the topology's plots are artifacts.
"""

from __future__ import annotations

import sys
import time

import logging

import keras

from seqkeras import plots
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


def callbacks(spec, out, tracker) -> list:
    cbs = [tracker.keras_callback()]
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
    for path in sorted(ctx.out.glob("*.png")) + sorted(ctx.out.glob("*.json")):
        ctx.tracker.log_artifact(path, "train")
    ctx.log.info("train: %s", ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    return metrics
