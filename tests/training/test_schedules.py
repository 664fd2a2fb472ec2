"""seqkeras.training.schedules: the cosine decay reaches the optimizer, batch by batch."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from seqkeras.training.schedules import CosineDecay


class Rates(keras.callbacks.Callback):
    """The optimizer's learning rate as each batch runs."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def fit(epochs, steps_hint, batches=4):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    x, y = np.ones((batches * 2, 2), "float32"), np.zeros((batches * 2, 1), "float32")
    rates, decay = Rates(), CosineDecay(epochs, steps_hint)
    history = model.fit(x, y, batch_size=2, epochs=epochs, verbose=0,
                        callbacks=[decay, rates])
    return rates.seen, history.history


def test_cosine_decay_follows_half_a_cosine_over_the_whole_run():
    seen, history = fit(epochs=2, steps_hint=4)
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * k / 8)) for k in range(8)]
    assert seen == pytest.approx(expected, rel=1e-5)
    assert seen[0] == pytest.approx(0.1) and seen[-1] < 0.01
    # the rate at each epoch's end is in the history (and so in MLflow)
    assert history["learning_rate"] == pytest.approx([0.05, 0.0], abs=1e-6)


def test_a_wrong_hint_is_corrected_after_the_first_epoch():
    seen, _ = fit(epochs=2, steps_hint=100)   # really 4 steps an epoch
    assert seen[4] == pytest.approx(0.05, rel=1e-5)   # epoch 2 starts half way down


def test_epochs_below_one_are_refused():
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        CosineDecay(0)


def test_the_steps_hint_prefers_the_fits_cap_then_the_record_count():
    from seqkeras.training.schedules import steps_hint

    assert steps_hint(1_000, 64) == 16            # ceil(1000 / 64)
    assert steps_hint(1_000, 64, steps_per_epoch=5) == 5
    assert steps_hint(None, 64) is None and steps_hint(0, 64) is None
