"""sequence_nll: the exact sum over real targets, whatever the batching and padding."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqkeras.training.likelihood import sequence_nll


def test_sum_over_real_targets_only_and_independent_of_batching():
    tokens = keras.Input((None,), dtype="int64")
    logits = keras.layers.Dense(5)(keras.layers.Embedding(5, 3)(tokens))
    model = keras.Model(tokens, logits)
    x = np.array([[1, 2, 3, 0], [2, 2, 0, 0]], np.int64)
    y = np.array([[2, 3, 4, 0], [3, 4, 0, 0]], np.int64)
    logp = tf.nn.log_softmax(model(x)).numpy()
    want = -sum(logp[i, t, y[i, t]] for i in range(2) for t in range(4) if y[i, t] > 0)
    for batch in (1, 2):
        total, count = sequence_nll(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(batch))
        assert count == 5
        np.testing.assert_allclose(total, want, rtol=1e-5)
