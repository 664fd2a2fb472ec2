"""Negative log-likelihood of next-token models over a dataset, summed exactly.

Keras' evaluate averages per batch; a per-token figure (nats per character or per
target token, perplexity) needs the sum over every real target and their count.
"""

from __future__ import annotations

import tensorflow as tf


def sequence_nll(model, dataset) -> tuple[float, int]:
    """(summed negative log-likelihood in nats, number of targets) over a dataset.

    ``dataset`` yields ``(inputs, targets)`` batches; ``model(inputs)`` gives logits
    ``[B, T, V]`` for int targets ``[B, T]``. Only real targets count (id > 0, so [END]
    counts and padding does not). Returns (float, int). Raises nothing of its own.
    """
    @tf.function(reduce_retracing=True, autograph=False)
    def batch_nll(x, y):
        logp = tf.nn.log_softmax(tf.cast(model(x, training=False), tf.float32), axis=-1)
        picked = tf.gather(logp, y, batch_dims=2)
        real = tf.cast(y > 0, tf.float32)
        return -tf.reduce_sum(picked * real), tf.reduce_sum(real)

    total, count = 0.0, 0.0
    for x, y in dataset:
        s, n = batch_nll(x, y)
        total, count = total + float(s), count + float(n)
    return total, int(count)
