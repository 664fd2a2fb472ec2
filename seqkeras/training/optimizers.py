"""Optimizers by name and the one way every topology compiles its model.

The ``train`` section (optimizer, learning rate, gradient clipping, XLA) means the same
for every topology, so compiling lives here rather than in each ``build_model``.
"""

from __future__ import annotations

import keras

#: ``train.optimizer`` value -> Keras optimizer class.
OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(train_spec):
    """A new optimizer ``train_spec.optimizer`` with ``learning_rate`` (float or a Keras
    schedule) and ``clipnorm`` (gradient norm clipping, None = off). Raises KeyError for
    an optimizer name outside ``OPTIMIZERS`` (the schema rejects those first)."""
    return OPTIMIZERS[train_spec.optimizer](learning_rate=train_spec.learning_rate,
                                            clipnorm=train_spec.clipnorm)


def compile_model(model, train_spec, loss, metrics):
    """Compile ``model`` in place with the spec's optimizer, clipping and XLA setting
    (``train.jit_compile``); ``loss`` and ``metrics`` as ``keras.Model.compile`` takes
    them (``loss`` None: the model's own ``compute_loss``). Returns the model."""
    model.compile(optimizer=make_optimizer(train_spec), loss=loss, metrics=metrics,
                  jit_compile=train_spec.jit_compile)
    return model
