"""Attention over an encoder's outputs, scored the Bahdanau or the Luong way.

One layer serves both the training graph (all decoder steps at once) and the in-graph
decoding loop (one step at a time): the keys are projected once per source sentence
(``project_keys``) and every step only scores its query against them (``attend``).

* ``bahdanau``: additive score ``v . tanh(W_q q + W_k k)`` (Bahdanau et al. 2015).
* ``luong``: multiplicative "general" score ``q . (W_k k)`` (Luong et al. 2015).

Padded source steps get no weight. The queries are the decoder RNN's outputs (Luong's
arrangement, also used for the additive score), so a decoding step is: step the cell,
then attend.
"""

from __future__ import annotations

import keras
from keras import ops

#: Score functions by name (``model.attention``; ``none`` builds no layer).
SCORES = ("bahdanau", "luong")
_NEG = -1e9


@keras.saving.register_keras_serializable(package="seqkeras")
class SourceAttention(keras.layers.Layer):
    """``[query [B, T, Dq], values [B, S, Dv]]`` (float) -> context ``[B, T, Dv]``, with
    the softmax weights ``[B, T, S]`` available from ``attend``.

    ``units``: width of the additive score's hidden layer (``bahdanau``; unused by
    ``luong``). The values' mask (``[B, S]``, True = real source step) keeps padding out
    of the softmax; the output carries the query's mask. Raises ValueError for a
    ``score`` outside ``SCORES``.
    """

    def __init__(self, units: int, score: str = "bahdanau", **kwargs):
        super().__init__(**kwargs)
        if score not in SCORES:
            raise ValueError(f"unknown attention score {score!r}; known: {', '.join(SCORES)}")
        self.units, self.score = units, score
        self.supports_masking = True

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        if self.score == "bahdanau":
            self.query_dense = keras.layers.Dense(self.units, use_bias=False, name="query")
            self.query_dense.build(query_shape)
            self.key_dense = keras.layers.Dense(self.units, use_bias=False, name="key")
            self.key_dense.build(value_shape)
            self.v = self.add_weight(name="v", shape=(self.units,), initializer="glorot_uniform")
        else:
            # keys are projected into the query space, so the score is one dot product
            self.key_dense = keras.layers.Dense(query_shape[-1], use_bias=False, name="key")
            self.key_dense.build(value_shape)
        self.built = True

    def project_keys(self, values):
        """Keys ``[B, S, units]`` (bahdanau) or ``[B, S, Dq]`` (luong) from the values
        ``[B, S, Dv]``: computed once per source, reused by every decoding step."""
        return self.key_dense(values)

    def attend(self, query, keys, values, source_mask=None):
        """Context ``[B, T, Dv]`` and softmax weights ``[B, T, S]`` (each row sums to 1
        over the real source steps) for queries ``[B, T, Dq]``, the projected ``keys``
        and the ``values``; ``source_mask`` ``[B, S]`` bool (None: every step is real)."""
        if self.score == "bahdanau":
            q = self.query_dense(query)                                   # [B, T, U]
            hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(keys, 1))
            # outside ``call`` (a decoding step) Keras does not autocast the weights
            scores = ops.sum(hidden * ops.cast(self.v, hidden.dtype), axis=-1)  # [B, T, S]
        else:
            scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))    # [B, T, S]
        if source_mask is not None:
            scores = ops.where(ops.expand_dims(source_mask, 1), scores,
                               ops.cast(_NEG, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        return ops.matmul(weights, values), weights

    def call(self, inputs, mask=None):
        query, values = inputs
        source_mask = mask[1] if isinstance(mask, (list, tuple)) else None
        context, _ = self.attend(query, self.project_keys(values), values, source_mask)
        return context

    def compute_mask(self, inputs, mask=None):
        # the context of a padded target step is padding too
        return mask[0] if isinstance(mask, (list, tuple)) else None

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape
        return tuple(query_shape[:-1]) + (value_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "score": self.score}
