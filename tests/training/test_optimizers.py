"""seqkeras.training.optimizers: the train section's optimizer, learning rate, clipping
and XLA setting reach the compiled model."""

from __future__ import annotations

import keras
import pytest

from seqkeras.spec import TrainSpec
from seqkeras.training.optimizers import OPTIMIZERS, compile_model, make_optimizer


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_make_optimizer(name):
    opt = make_optimizer(TrainSpec.model_validate({"optimizer": name, "learning_rate": 0.01,
                                                   "clipnorm": 0.5}))
    assert isinstance(opt, OPTIMIZERS[name])
    assert float(opt.learning_rate) == pytest.approx(0.01) and opt.clipnorm == 0.5


def test_compile_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    spec = TrainSpec.model_validate({"optimizer": "sgd", "learning_rate": 0.1,
                                     "jit_compile": False})
    assert compile_model(model, spec, "mse", ["mae"]) is model
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.loss == "mse"
    assert model.jit_compile is False
