"""Recurrent cells by name, and the stacked/bidirectional encoder every topology shares."""

from __future__ import annotations

import keras

CELLS = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def recurrent_stack(x, model_spec, return_sequences: bool, name: str = "rnn"):
    """``layers`` recurrent layers (optionally bidirectional); the last returns
    sequences only when ``return_sequences`` is set."""
    cell = CELLS[model_spec.cell]
    for i in range(model_spec.layers):
        last = i == model_spec.layers - 1
        layer = cell(model_spec.units,
                     return_sequences=return_sequences or not last,
                     dropout=model_spec.dropout,
                     recurrent_dropout=model_spec.recurrent_dropout,
                     name=f"{name}_{model_spec.cell}_{i}")
        if model_spec.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{name}_bi_{i}")
        x = layer(x)
    return x


OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(train_spec):
    return OPTIMIZERS[train_spec.optimizer](learning_rate=train_spec.learning_rate,
                                            clipnorm=train_spec.clipnorm)


def compile_model(model, train_spec, loss, metrics):
    """Compile with the spec's optimizer, clipping and XLA setting."""
    model.compile(optimizer=make_optimizer(train_spec), loss=loss, metrics=metrics,
                  jit_compile=train_spec.jit_compile)
    return model
