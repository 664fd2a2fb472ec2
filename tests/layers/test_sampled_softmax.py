"""seqkeras.layers.sampled_softmax: a Dense outside training, a sampled loss that counts
real positions only and trains the full softmax, and the layer checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.layers.sampled_softmax import SampledSoftmaxLogits
from tests.layers.layer_testing import run_layer_test


def test_layer_checks():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    run_layer_test(SampledSoftmaxLogits, {"units": 50, "num_sampled": 8, "name": "logits"}, x,
                   expected_output_shape=(2, 3, 50), expected_num_weights=2)


def test_called_it_is_a_dense_layer():
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    layer = SampledSoftmaxLogits(20, num_sampled=5)
    dense = keras.layers.Dense(20)
    out = layer(x)
    dense(x)
    dense.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(out), np.asarray(dense(x)), rtol=1e-6)


def test_samples_is_zero_when_nothing_would_be_saved():
    assert SampledSoftmaxLogits(20, num_sampled=18).samples == 18
    assert SampledSoftmaxLogits(20, num_sampled=19).samples == 0   # V - 1: every other word
    assert SampledSoftmaxLogits(20).samples == 0
    layer = SampledSoftmaxLogits(20, num_sampled=30)
    layer.build((None, None, 4))
    with pytest.raises(ValueError, match="num_sampled 30 for 20 words"):
        layer.sampled_loss(tf.zeros([1, 2, 4]), tf.zeros([1, 2], tf.int64), tf.ones([1, 2], bool))
    with pytest.raises(ValueError, match=">= 0"):
        SampledSoftmaxLogits(20, num_sampled=-1)


def test_masked_positions_do_not_count():
    layer = SampledSoftmaxLogits(40, num_sampled=10)
    layer.build((None, None, 6))
    hidden = tf.random.stateless_normal([2, 5, 6], seed=[1, 2])
    targets = tf.constant([[5, 6, 7, 0, 0], [8, 9, 0, 0, 0]], tf.int64)
    mask = targets > 0
    tf.random.set_seed(7)
    a = float(layer.sampled_loss(hidden, targets, mask))
    # other hidden states and targets on the padded positions: the same loss
    noisy = tf.where(mask[..., None], hidden, 100.0)
    tf.random.set_seed(7)
    b = float(layer.sampled_loss(noisy, tf.where(mask, targets, 33), mask))
    assert np.isfinite(a) and a > 0 and a == pytest.approx(b, rel=1e-6)


def test_the_sampled_loss_trains_the_full_softmax():
    # word i's hidden state is its own embedding: learnable; 12 of 300 words a batch
    vocab, rng = 300, np.random.default_rng(3)
    embed = keras.layers.Embedding(vocab, 16)
    layer = SampledSoftmaxLogits(vocab, num_sampled=12)
    ids = tf.constant(rng.integers(4, vocab, size=(64, 8)), tf.int64)
    embed.build((None, None))
    layer.build((None, None, 16))
    weights = embed.trainable_weights + layer.trainable_weights
    optimizer = keras.optimizers.Adam(0.05)
    tf.random.set_seed(0)

    def full_accuracy():
        return float(np.mean(np.argmax(np.asarray(layer(embed(ids))), -1) == ids.numpy()))

    before = full_accuracy()
    for _ in range(150):
        with tf.GradientTape() as tape:
            loss = layer.sampled_loss(embed(ids), ids, tf.ones_like(ids, bool))
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    assert before < 0.05 and full_accuracy() > 0.9
