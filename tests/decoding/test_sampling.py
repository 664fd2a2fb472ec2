"""seqkeras.decoding.sampling: seeded per row, greedy at temperature 0, top-k, and the
special tokens never generated."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqkeras.decoding.sampling import BANNED_IDS, NEG, ban, sample_next


def test_sampling_is_seeded_per_row_and_greedy_is_the_zero_temperature_limit():
    logits = tf.random.stateless_normal([6, 12], seed=[1, 2]) * 3.0
    temp = tf.ones([6])
    seeds = tf.constant([5, 5, 6, 7, 8, 9], tf.int64)
    a = sample_next(logits, temp, seeds, 4).numpy()
    b = sample_next(logits, temp, seeds, 4).numpy()
    assert (a == b).all()
    # a row's draw depends on its own seed, not on the batch around it
    assert sample_next(logits[2:3], temp[:1], seeds[2:3], 4).numpy()[0] == a[2]
    draws = {tuple(sample_next(logits, temp, seeds + s, 4).numpy()) for s in range(20)}
    assert len(draws) > 1                                         # seeds matter
    greedy = sample_next(logits, tf.zeros([6]), seeds, 4).numpy()
    cold = sample_next(logits, tf.fill([6], 1e-4), seeds, 4).numpy()
    assert (greedy == cold).all()
    masked = logits.numpy().copy()
    masked[:, :3] = -np.inf                                       # PAD, UNK, START banned
    assert (greedy == masked.argmax(-1)).all()
    assert not np.isin(np.concatenate([a, greedy]), [0, 1, 2]).any()
    top1 = sample_next(logits, temp, seeds, 4, top_k=1).numpy()
    assert (top1 == greedy).all()


def test_ban_pushes_special_tokens_down():
    out = ban(tf.zeros([2, 6], tf.float16)).numpy()
    assert out.dtype == np.float32
    assert (out[:, list(BANNED_IDS)] == NEG).all() and (np.delete(out, BANNED_IDS, 1) == 0).all()
