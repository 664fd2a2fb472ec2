"""The sampling rule of next-token models, shared by every in-graph decoder.

``sample_next`` picks the next token for every row: greedy where the row's temperature
is 0, else a draw from ``softmax(logits / temperature)`` (optionally among the top k)
with ``tf.random.stateless_categorical`` seeded by ``(row seed, position)``. A row's
tokens depend only on its own prefix, temperature, seed and limit: never on the batch,
so a fixed seed always gives the same answer (and a parity check through TF's C++ loader
can compare strings). Special tokens that must never be generated are banned here once
(``ban``), for the character model's decoder and the translation decoder alike.
"""

from __future__ import annotations

import tensorflow as tf

from seqkeras.constants import PAD_ID, START_ID, UNK_ID

#: Tokens never generated: padding, unknown and start.
BANNED_IDS = (PAD_ID, UNK_ID, START_ID)
#: Served ``max_length`` values are clipped to this many generated tokens.
HARD_MAX_LENGTH = 256
#: The logit of a token that must not be picked (finite, so sums of scores stay finite).
NEG = -1e9


def ban(logits):
    """Logits ``[N, V]`` (any float dtype) -> float32 ``[N, V]`` with the never-generated
    tokens (``BANNED_IDS``) pushed to ``NEG``."""
    logits = tf.cast(logits, tf.float32)
    banned = tf.reduce_sum(tf.one_hot(list(BANNED_IDS), tf.shape(logits)[1]), axis=0) > 0
    return tf.where(banned[None, :], tf.constant(NEG, tf.float32), logits)


def sample_next(logits, temperature, seed, position, top_k: int = 0):
    """Next token per row: int64 ids ``[B]``.

    ``logits`` float ``[B, V]``; ``temperature`` float ``[B]`` (0 = greedy, the argmax);
    ``seed`` int64 ``[B]``; ``position`` a scalar (int), the index of the token being
    chosen ([START] is position 0); ``top_k`` > 0 samples among the k most likely only
    (ignored when ``k >= V``). Banned tokens are never picked. Raises nothing of its own.
    """
    logits = ban(logits)
    vocab = logits.shape[-1]
    greedy = tf.argmax(logits, axis=-1, output_type=tf.int64)
    if top_k and (vocab is None or top_k < vocab):
        kth = tf.math.top_k(logits, k=top_k).values[:, -1:]
        logits = tf.where(logits < kth, tf.constant(NEG, tf.float32), logits)
    temperature = tf.cast(temperature, tf.float32)
    scaled = logits / tf.maximum(temperature, 1e-6)[:, None]
    position = tf.cast(position, tf.int64)
    seeds = tf.stack([tf.cast(seed, tf.int64), tf.fill(tf.shape(seed), position)], axis=1)
    drawn = tf.map_fn(
        lambda a: tf.random.stateless_categorical(a[0][None, :], 1, seed=a[1],
                                                  dtype=tf.int64)[0, 0],
        (scaled, seeds), fn_output_signature=tf.TensorSpec([], tf.int64))
    return tf.where(temperature > 0, drawn, greedy)
