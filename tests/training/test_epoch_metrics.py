"""seqkeras.training.epoch_metrics: val_<name> in the epoch logs; one traced scorer."""

from __future__ import annotations

import keras
import numpy as np

from seqkeras.training.epoch_metrics import ValidationMetrics, reuse


def test_reuse_builds_once_per_model_and_again_for_another():
    built = []

    def build():
        built.append(1)
        return len(built)

    cache, a, b = {}, object(), object()
    assert reuse(cache, a, build) == 1 and reuse(cache, a, build) == 1
    assert reuse(cache, b, build) == 2 and reuse(cache, b, build) == 2
    assert reuse(None, a, build) == 3 and reuse(None, a, build) == 4  # no cache: every call


def test_validation_metrics_write_val_names_into_the_logs():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    seen = []
    callback = ValidationMetrics(lambda m: seen.append(m) or {"score": 0.25}, "test")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
                        callbacks=[callback])
    assert history.history["val_score"] == [0.25, 0.25]
    assert seen == [model, model]
