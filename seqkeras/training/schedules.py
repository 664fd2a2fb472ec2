"""Learning-rate schedules over a run of known length (``train.learning_rate_schedule``).

``cosine``: the rate follows half a cosine from ``train.learning_rate`` at the first step
to 0 at the end of the last epoch, ``lr(p) = lr0 * (1 + cos(pi * p)) / 2`` with ``p``
the fraction of the run's steps done (SGDR without restarts: Loshchilov & Hutter 2017,
"SGDR: Stochastic Gradient Descent with Warm Restarts"). A high rate learns fast early;
the falling one then settles into the minimum a constant rate keeps overshooting, so the
run reaches the loss of a longer constant-rate run in fewer epochs (the translation
pipeline: RESULTS.md, section *speed_status*).

It is a callback rather than a ``keras.optimizers.schedules`` object because the number
of steps an epoch takes is unknown when the model is compiled: length-bucketed batches
give a dataset of unknown cardinality. The callback takes a hint (the training records
over the batch size) and counts the first epoch's real steps to correct it.
"""

from __future__ import annotations

import math

import keras

def steps_hint(records: int | None, batch_size: int,
               steps_per_epoch: int | None = None) -> int | None:
    """The steps an epoch will take, for :class:`CosineDecay`'s first epoch:
    ``steps_per_epoch`` when the fit caps it, else ``ceil(records / batch_size)``
    (None without a record count)."""
    if steps_per_epoch:
        return steps_per_epoch
    return math.ceil(records / batch_size) if records else None


class CosineDecay(keras.callbacks.Callback):
    """Set the optimizer's learning rate before every training batch to
    ``initial * (1 + cos(pi * p)) / 2``, ``p`` = steps done / (``epochs`` x steps an
    epoch), clipped to [0, 1]. Steps an epoch: ``steps_hint`` (None: Keras's
    ``params["steps"]``, or no decay until the first epoch ends) until the first epoch
    ends, then the steps it counted. ``initial``: the rate the optimizer holds when
    training starts. Raises ValueError for ``epochs`` below 1.
    """

    def __init__(self, epochs: int, steps_hint: int | None = None):
        super().__init__()
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {epochs}")
        self.epochs, self.steps = epochs, steps_hint
        self.initial = None
        self.epoch = self.counted = 0

    def rate(self, epoch: int, batch: int) -> float:
        """The rate for ``batch`` (0-based) of ``epoch`` (0-based)."""
        steps = self.steps or (self.params or {}).get("steps")
        if not steps:
            return self.initial
        done = min(max((epoch * steps + batch) / (self.epochs * steps), 0.0), 1.0)
        return self.initial * 0.5 * (1.0 + math.cos(math.pi * done))

    def on_train_begin(self, logs=None):
        self.initial = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.counted = epoch, 0

    def on_train_batch_begin(self, batch, logs=None):
        self.counted = batch + 1
        self.model.optimizer.learning_rate = self.rate(self.epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0 and self.counted:
            self.steps = self.counted
        if logs is not None:
            logs["learning_rate"] = self.rate(self.epoch, self.counted)
