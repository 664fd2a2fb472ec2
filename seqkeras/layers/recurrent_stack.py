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

from seqkeras.errors import SpecError
from seqkeras.layers.min_rnn import MinGRU, MinLSTM

#: ``model.cell`` value -> Keras recurrent layer class. Every class takes ``units``,
#: ``dropout``, ``recurrent_dropout``, ``return_sequences``, ``return_state`` and
#: ``go_backwards``, and its ``cell`` has the step API the decoders use.
CELLS = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    # gates from the input only, trained with a parallel scan (Feng et al. 2024)
    "min_gru": MinGRU,
    "min_lstm": MinLSTM,
}

#: Cells without recurrent weights (so without recurrent dropout).
PARALLEL_CELLS = ("min_gru", "min_lstm")


def rnn_layer(model_spec, units: int, name: str, **kwargs):
    """One recurrent layer of ``model_spec.cell`` with ``units`` units and the spec's
    ``dropout`` / ``recurrent_dropout``; ``kwargs`` (return_sequences, return_state, ...)
    go to the layer. Raises SpecError for recurrent dropout on a cell without recurrent
    weights (min_gru, min_lstm)."""
    if model_spec.cell in PARALLEL_CELLS and model_spec.recurrent_dropout:
        raise SpecError(f"model.recurrent_dropout: cell {model_spec.cell!r} has no recurrent "
                        f"weights, so no recurrent dropout; set model.recurrent_dropout to 0 "
                        f"(got {model_spec.recurrent_dropout})")
    return CELLS[model_spec.cell](units, dropout=model_spec.dropout,
                                  recurrent_dropout=model_spec.recurrent_dropout, name=name,
                                  **kwargs)


def recurrent_stack(x, model_spec, return_sequences: bool, name: str = "rnn"):
    """Apply ``model_spec.layers`` recurrent layers of ``model_spec.cell`` to ``x``.

    ``x``: a Keras tensor ``[batch, steps, features]`` (its mask, if any, is honoured).
    Each layer has ``model_spec.units`` units (per direction when
    ``model_spec.bidirectional``: outputs are then ``2 * units`` wide), ``dropout`` and
    ``recurrent_dropout`` from the spec. Every layer but the last returns sequences; the
    last returns ``[batch, steps, width]`` when ``return_sequences``, else its final
    output ``[batch, width]``. Layers are named ``{name}_{cell}_{i}`` and, wrapped,
    ``{name}_bi_{i}``. Raises KeyError for a cell name outside ``CELLS`` (the schema
    rejects those first), SpecError as ``rnn_layer``.
    """
    for i in range(model_spec.layers):
        last = i == model_spec.layers - 1
        layer = rnn_layer(model_spec, model_spec.units, f"{name}_{model_spec.cell}_{i}",
                          return_sequences=return_sequences or not last)
        if model_spec.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{name}_bi_{i}")
        x = layer(x)
    return x
