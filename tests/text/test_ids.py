"""seqkeras.text.ids: id vectors never empty, the embedded input masks padding."""

import numpy as np
import tensorflow as tf

from seqkeras.constants import PAD_ID
from seqkeras.text.ids import embedded_ids, encode_texts, non_empty


def test_non_empty_keeps_ids_and_pads_an_empty_vector():
    assert non_empty(tf.constant([4, 5], tf.int64)).numpy().tolist() == [4, 5]
    assert non_empty(tf.constant([], tf.int64)).numpy().tolist() == [PAD_ID]


def test_encode_texts_gives_one_vector_per_text_and_pads_the_empty_ones():
    vocab = {"a": 2, "b": 3}

    def encoder(strings):  # whitespace split + lookup, ragged [B, None]
        words = tf.strings.split(strings)
        return tf.ragged.map_flat_values(
            lambda w: tf.where(w == "a", tf.constant(2, tf.int64), tf.constant(3, tf.int64)),
            words)

    got = [v.numpy().tolist() for v in encode_texts(encoder, ["a b a", "", "b"])]
    assert got == [[vocab["a"], vocab["b"], vocab["a"]], [PAD_ID], [vocab["b"]]]


def test_embedded_ids_names_its_layers_and_masks_id_zero():
    import keras
    ids, x = embedded_ids("token_ids", 10, 4, 0.5, "embedding", "embedding_dropout")
    model = keras.Model(ids, x)
    assert ids.name == "token_ids" or model.inputs[0].name == "token_ids"
    assert [layer.name for layer in model.layers[1:]] == ["embedding", "embedding_dropout"]
    mask = model.get_layer("embedding").compute_mask(np.array([[3, 0]]))
    assert np.asarray(mask).tolist() == [[True, False]]
    _, plain = embedded_ids("source_ids", 10, 4, 0.0, "source_embedding", "source_dropout")
    assert "dropout" not in plain._keras_history.operation.name
