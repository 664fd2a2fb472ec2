"""Small Keras layers seqkeras models need beyond keras.layers, serializable by name."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time of the unmasked steps (padding never wins the max).

    A sequence with no unmasked step pools to zeros rather than a huge negative number.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = ops.full_like(inputs, -1e9)
        pooled = ops.max(ops.where(valid, inputs, lowest), axis=1)
        any_valid = ops.any(valid, axis=1)
        return ops.where(any_valid, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


POOLINGS = {
    "mean": lambda name: keras.layers.GlobalAveragePooling1D(name=name),
    "max": lambda name: MaskedGlobalMaxPooling1D(name=name),
}


@keras.saving.register_keras_serializable(package="seqkeras")
class WordDropout(keras.layers.Layer):
    """While training, replace each real token id by ``unk_id`` with probability ``rate``
    (ids below ``first_regular_id``, padding and the reserved tokens, are left alone), so
    the model learns to tag words it has never seen from their other features."""

    def __init__(self, rate: float, unk_id: int = 1, first_regular_id: int = 4, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.rate, self.unk_id, self.first_regular_id = float(rate), int(unk_id), int(first_regular_id)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, ids, training=None):
        if not training or self.rate <= 0:
            return ids
        noise = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
        drop = ops.logical_and(noise < self.rate, ids >= self.first_regular_id)
        return ops.where(drop, ops.cast(self.unk_id, ids.dtype), ids)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "unk_id": self.unk_id,
                "first_regular_id": self.first_regular_id, "seed": self.seed}


@keras.saving.register_keras_serializable(package="seqkeras")
class TokenCharEncoder(keras.layers.Layer):
    """One vector per token from its characters: ids [batch, tokens, chars] (0 = padding)
    -> [batch, tokens, features].

    ``encoder="cnn"``: a width-``kernel_size`` convolution with ``units`` filters, max
    over the token's characters (Ma & Hovy 2016); ``"lstm"`` / ``"gru"``: the final
    states of a bidirectional recurrent layer of ``units`` per direction (Lample et al.
    2016). Only real tokens are encoded (padding tokens give zeros), so padding costs
    nothing and changes nothing; the output is masked where a token has no character.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, units: int, encoder: str = "lstm",
                 kernel_size: int = 3, **kwargs):
        super().__init__(**kwargs)
        if encoder not in ("cnn", "lstm", "gru"):
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
        flat = tf.reshape(char_ids, [-1, shape[2]])                       # [B*T, C]
        real = tf.where(tf.reduce_any(flat > 0, axis=1))                  # [N, 1]
        rows = tf.gather_nd(flat, real)                                   # [N, C]
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
        out = tf.scatter_nd(real, encoded, size)
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
