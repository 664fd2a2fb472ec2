"""seqkeras.layers.word_dropout: [UNK] replacement only while training, never of reserved
ids or padding, and the layer checks."""

from __future__ import annotations

import numpy as np

from seqkeras.layers.word_dropout import WordDropout
from tests.layers.layer_testing import run_layer_test


def test_word_dropout_only_while_training():
    layer = WordDropout(0.5, unk_id=1, first_regular_id=4, seed=1)
    ids = np.array([[5, 6, 7, 8, 9, 10, 2, 0, 0]] * 50, dtype="int64")
    assert (np.asarray(layer(ids, training=False)) == ids).all()
    out = np.asarray(layer(ids, training=True))
    assert (out[:, 6:] == ids[:, 6:]).all()                  # reserved ids and padding kept
    replaced = (out[:, :6] == 1).mean()
    assert 0.35 < replaced < 0.65 and set(np.unique(out[:, :6])) <= {1, 5, 6, 7, 8, 9, 10}


def test_layer_checks():
    ids = np.array([[5, 6, 7, 0], [8, 2, 0, 0]], dtype="int64")
    out = run_layer_test(WordDropout, {"rate": 0.3, "unk_id": 1, "first_regular_id": 4,
                                       "seed": 5, "name": "wd"}, ids,
                         expected_output_shape=(2, 4), expected_num_weights=0)
    assert (out == ids).all()  # identity at inference
