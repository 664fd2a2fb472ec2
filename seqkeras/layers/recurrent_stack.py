"""Recurrent cells by name, and the stacked (bi)directional encoder every topology shares.

``recurrent_stack`` is a builder *function*, not a Keras layer, on purpose. As a layer
wrapping the RNNs it would nest them: the model's layer list (``rnn_lstm_0``,
``rnn_bi_0``, ...) and the saved weight paths would change, so ``model.keras`` files
written before could no longer be loaded into the new structure, and the decoders that
step the trained cells one token at a time (``decoding.step_decoder.StepDecoder``, the
piano-roll frame decoder) find the recurrent layers among ``model.layers``. The
function adds the same Keras layers, with the same names, as it always has.
"""

from __future__ import annotations

import keras

#: ``model.cell`` value -> Keras recurrent layer class.
CELLS = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def recurrent_stack(x, model_spec, return_sequences: bool, name: str = "rnn"):
    """Apply ``model_spec.layers`` recurrent layers of ``model_spec.cell`` to ``x``.

    ``x``: a Keras tensor ``[batch, steps, features]`` (its mask, if any, is honoured).
    Each layer has ``model_spec.units`` units (per direction when
    ``model_spec.bidirectional``: outputs are then ``2 * units`` wide), ``dropout`` and
    ``recurrent_dropout`` from the spec. Every layer but the last returns sequences; the
    last returns ``[batch, steps, width]`` when ``return_sequences``, else its final
    output ``[batch, width]``. Layers are named ``{name}_{cell}_{i}`` and, wrapped,
    ``{name}_bi_{i}``. Raises KeyError for a cell name outside ``CELLS`` (the schema
    rejects those first).
    """
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
