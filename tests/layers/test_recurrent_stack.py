"""seqkeras.layers.recurrent_stack: the layers it adds, their names (old model.keras
files and the step decoders depend on them), output widths and masking."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqkeras.layers.recurrent_stack import CELLS, recurrent_stack
from seqkeras.spec.model import RecurrentModel


def build(return_sequences: bool, **model):
    spec = RecurrentModel.model_validate({"units": 4, **model})
    ids = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(9, 3, mask_zero=True)(ids)
    return keras.Model(ids, recurrent_stack(x, spec, return_sequences=return_sequences))


@pytest.mark.parametrize("cell, bidirectional, layers, names", [
    ("lstm", False, 1, ["rnn_lstm_0"]),
    ("gru", True, 2, ["rnn_bi_0", "rnn_bi_1"]),
    ("simple_rnn", False, 3, ["rnn_simple_rnn_0", "rnn_simple_rnn_1", "rnn_simple_rnn_2"]),
])
def test_layers_names_and_widths(cell, bidirectional, layers, names):
    model = build(False, cell=cell, bidirectional=bidirectional, layers=layers)
    added = [layer for layer in model.layers[2:]]
    assert [layer.name for layer in added] == names
    inner = [layer.forward_layer if bidirectional else layer for layer in added]
    assert all(isinstance(layer, CELLS[cell]) for layer in inner)
    ids = np.array([[3, 4, 5, 0, 0]])
    width = 8 if bidirectional else 4
    assert model(ids).shape == (1, width)
    assert build(True, cell=cell, bidirectional=bidirectional, layers=layers)(ids).shape == (1, 5, width)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_is_masked(bidirectional):
    model = build(False, cell="gru", bidirectional=bidirectional, layers=2)
    np.testing.assert_allclose(model(np.array([[3, 4, 0, 0, 0, 0]])),
                               model(np.array([[3, 4]])), rtol=1e-5, atol=1e-6)
