"""seqkeras.layers.char_encoder: a word's vector depends only on its own characters
(never on padding or its batch), and the layer checks for every encoder."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.char_encoder import TokenCharEncoder
from tests.layers.layer_testing import run_layer_test


@pytest.mark.parametrize("encoder", ["cnn", "lstm", "gru"])
def test_char_encoder_sees_only_its_token(encoder):
    layer = TokenCharEncoder(20, 4, 3, encoder=encoder)
    a = np.array([[[5, 6, 7], [8, 9, 0], [0, 0, 0]]], dtype="int64")      # narrower padding
    b = np.array([[[5, 6, 7, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
                  [[8, 9, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]]], dtype="int64")
    out_a, out_b = np.asarray(layer(a)), np.asarray(layer(b))
    assert out_a.shape == (1, 3, layer.output_dim)
    np.testing.assert_allclose(out_a[0, 0], out_b[0, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_a[0, 1], out_b[1, 0], rtol=1e-5, atol=1e-6)
    assert (out_a[0, 2] == 0).all() and (out_b[0, 1:] == 0).all()
    assert np.abs(out_a[0, 0] - out_a[0, 1]).max() > 0


@pytest.mark.parametrize("encoder, width, weights", [("cnn", 3, 3), ("lstm", 6, 7), ("gru", 6, 7)])
def test_layer_checks(encoder, width, weights):
    ids = np.array([[[5, 6, 7], [8, 0, 0], [0, 0, 0]]], dtype="int64")
    out = run_layer_test(TokenCharEncoder, {"vocab_size": 12, "embedding_dim": 4, "units": 3,
                                            "encoder": encoder, "kernel_size": 2,
                                            "name": "chars"}, ids,
                         expected_output_shape=(1, 3, width), expected_num_weights=weights)
    assert (out[0, 2] == 0).all()


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="unknown char encoder 'rnn'"):
        TokenCharEncoder(10, 4, 3, encoder="rnn")


@pytest.mark.parametrize("encoder", ["cnn", "lstm"])
@pytest.mark.parametrize("shape", [(1, 2, 0), (1, 1, 3), (0, 0, 0), (0, 3, 2)])
def test_a_batch_without_any_character_gives_zeros(encoder, shape):
    """An empty sentence (or batch) reached the served tagger as char ids with no real
    token, and the scatter of no encoded words failed inside the SavedModel."""
    import tensorflow as tf

    layer = TokenCharEncoder(20, 4, 3, encoder=encoder)
    ids = np.zeros(shape, dtype="int64")
    out = np.asarray(layer(ids))
    assert out.shape == shape[:2] + (layer.output_dim,) and (out == 0).all()
    traced = tf.function(layer, input_signature=[tf.TensorSpec([None, None, None], tf.int64)])
    assert tuple(traced(ids).shape) == shape[:2] + (layer.output_dim,)
