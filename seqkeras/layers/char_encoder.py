"""Character-level word encoder: one vector per token from its characters.

Capitalisation, prefixes and suffixes are the strongest signals a tagger has for words
it never saw in training; a small network over each word's characters learns them
(Ma & Hovy 2016 with a CNN, Lample et al. 2016 with a bidirectional LSTM).
"""

from __future__ import annotations

import keras
from keras import ops

#: ``encoder`` values the layer accepts.
ENCODERS = ("cnn", "lstm", "gru")


@keras.saving.register_keras_serializable(package="seqkeras")
class TokenCharEncoder(keras.layers.Layer):
    """One vector per token from its characters: ids [batch, tokens, chars] (0 = padding)
    -> [batch, tokens, features].

    ``encoder="cnn"``: a width-``kernel_size`` convolution with ``units`` filters, max
    over the token's characters (Ma & Hovy 2016); ``"lstm"`` / ``"gru"``: the final
    states of a bidirectional recurrent layer of ``units`` per direction (Lample et al.
    2016). Only real tokens are encoded (padding tokens give zeros), so padding costs
    nothing and changes nothing; the output is masked where a token has no character.

    Input: int char ids ``[batch, tokens, chars]``; output: float32 ``[batch, tokens,
    output_dim]`` (``units`` for cnn, ``2 * units`` otherwise) and a bool mask ``[batch,
    tokens]``. Raises ValueError for an ``encoder`` outside ``ENCODERS``.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, units: int, encoder: str = "lstm",
                 kernel_size: int = 3, **kwargs):
        super().__init__(**kwargs)
        if encoder not in ENCODERS:
            raise ValueError(f"unknown char encoder {encoder!r} (cnn, lstm or gru)")
        self.vocab_size, self.embedding_dim, self.units = int(vocab_size), int(embedding_dim), int(units)
        self.encoder, self.kernel_size = encoder, int(kernel_size)
        self.embedding = keras.layers.Embedding(self.vocab_size, self.embedding_dim,
                                                mask_zero=True, name="char_embedding")
        if encoder == "cnn":
            self.conv = keras.layers.Conv1D(self.units, self.kernel_size, padding="same",
                                            activation="tanh", name="char_conv")
        else:
            cell = keras.layers.LSTM if encoder == "lstm" else keras.layers.GRU
            self.rnn = keras.layers.Bidirectional(cell(self.units), name=f"char_bi_{encoder}")

    @property
    def output_dim(self) -> int:
        """Features per token: ``units`` (cnn) or ``2 * units`` (bidirectional lstm/gru)."""
        return self.units if self.encoder == "cnn" else 2 * self.units

    def build(self, input_shape):
        self.embedding.build((None, None))
        if self.encoder == "cnn":
            self.conv.build((None, None, self.embedding_dim))
        else:
            self.rnn.build((None, None, self.embedding_dim))

    def call(self, char_ids):
        import tensorflow as tf  # gather/scatter of the real tokens (TF backend)

        char_ids = tf.convert_to_tensor(char_ids)
        shape = tf.shape(char_ids)
        flat = tf.reshape(char_ids, [shape[0] * shape[1], shape[2]])       # [B*T, C]
        flat = tf.pad(flat, [[0, 0], [0, 1]])       # C + 1 >= 1 (padding: no effect)
        real = tf.where(tf.reduce_any(flat > 0, axis=1))                  # [N, 1]
        # one word of one character joins the real ones and is dropped after encoding:
        # an empty sentence or batch has N = 0, and the convolution and the recurrent
        # layers fail on an empty batch inside the served graph
        rows = tf.concat([tf.gather_nd(flat, real),
                          tf.one_hot([0], tf.shape(flat)[1], dtype=flat.dtype)], 0)  # [N+1, C+1]
        x = self.embedding(rows)
        mask = rows > 0
        if self.encoder == "cnn":
            # padded characters read as zeros, so a word's encoding never depends on how
            # wide its batch was padded
            h = self.conv(tf.where(mask[:, :, None], x, tf.zeros_like(x)))
            h = tf.where(mask[:, :, None], h, tf.fill(tf.shape(h), tf.constant(-1e9, h.dtype)))
            encoded = tf.reduce_max(h, axis=1)
        else:
            encoded = self.rnn(x, mask=mask)
        size = tf.stack([tf.shape(flat, out_type=tf.int64)[0], tf.constant(self.output_dim, tf.int64)])
        out = tf.scatter_nd(real, encoded[:-1], size)
        return tf.reshape(out, tf.concat([shape[:2], [self.output_dim]], axis=0))

    def compute_mask(self, inputs, mask=None):
        # a token with no character is padding: combined with the word embedding's mask
        # (Concatenate keeps a step when any part is unmasked) padding stays masked
        return ops.any(ops.not_equal(inputs, 0), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "embedding_dim": self.embedding_dim, "units": self.units,
                "encoder": self.encoder, "kernel_size": self.kernel_size}
