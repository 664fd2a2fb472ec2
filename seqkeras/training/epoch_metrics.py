"""Task metrics on the validation split after every epoch, for model selection.

Keras computes the loss and compile metrics on val; the figure a user cares about is
often another one (entity F1 for tagging, chrF for translation, MAE in original units
for forecasting). :class:`ValidationMetrics` calls a topology's function at each
epoch end and writes its figures into the epoch's ``logs`` as ``val_<name>``; placed
before the other callbacks, early stopping, the best-epoch checkpoint, the learning-rate
schedule, MLflow and the History all see them.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, TypeVar

import keras

log = logging.getLogger("seqkeras")
T = TypeVar("T")


def reuse(cache: dict | None, model, build: Callable[[], T]) -> T:
    """``build()`` once per model while ``cache`` (a dict the caller keeps) lives.

    The per-epoch scorers trace a ``tf.function`` over the model; built anew each
    epoch, TF traced it again (seconds for a beam search) and warned about retracing.
    The traced graph reads the model's variables, not copies, so one function serves
    every epoch. ``cache`` None: build every call. A different model replaces the entry
    (the cache holds the function, which holds its model, so the id stays valid)."""
    if cache is None:
        return build()
    if cache.get("model_id") != id(model):
        cache.clear()
        cache.update(model_id=id(model), value=build())
    return cache["value"]


class ValidationMetrics(keras.callbacks.Callback):
    """Put ``compute(model)``'s figures into each epoch's logs as ``val_<name>``.

    ``compute``: the model -> {name: float} (names without ``val_``, as the topology's
    ``VAL_METRICS`` declares them), computed on the validation split; ``what``: a short
    label for the log line (``entity F1 on 3,250 val sentences``).
    """

    def __init__(self, compute: Callable[[keras.Model], dict], what: str = ""):
        super().__init__()
        self.compute, self.what = compute, what

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        started = time.monotonic()
        values = self.compute(self.model)
        for name, value in values.items():
            logs[f"val_{name}"] = float(value)
        log.info("epoch %d: %s (%s, %.1f s)", epoch + 1,
                 ", ".join(f"val_{k} {float(v):.4f}" for k, v in values.items()),
                 self.what or "validation split", time.monotonic() - started)
