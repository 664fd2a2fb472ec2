"""CTC decoding in-graph: greedy equals a beam of one, blanks and repeats handled, the
loss is finite and feasibility is judged right."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqkeras.topologies.transcription.ctc import ctc_feasible, ctc_nll
from seqkeras.topologies.transcription.decoder import ctc_decode

BLANK = 5   # 6 classes: 0..4 labels, 5 the blank


def peaked(paths: list[list[int]], classes: int = 6, sharpness: float = 6.0, seed: int = 0):
    """Logits [B, T, C] whose argmax follows each frame path, with random runner-ups
    (trained CTC models are peaked like this)."""
    rng = np.random.default_rng(seed)
    width = max(len(p) for p in paths)
    logits = rng.normal(size=(len(paths), width, classes)).astype("float32")
    for b, path in enumerate(paths):
        for t, c in enumerate(path):
            logits[b, t, c] += sharpness
    return tf.constant(logits)


def test_greedy_collapses_repeats_and_drops_blanks():
    paths = [[1, 1, BLANK, 1, 2, 2, BLANK], [3, BLANK, BLANK, 3, 3, 4, 4], [BLANK] * 7]
    ids, length, score = ctc_decode(peaked(paths), tf.constant([7, 5, 7]), beam_size=1)
    assert ids.numpy().tolist() == [[1, 1, 2], [3, 3, -1], [-1, -1, -1]]
    assert length.numpy().tolist() == [3, 2, 0]
    assert (score.numpy() < 0).all()


def test_greedy_equals_a_beam_of_one_on_peaked_outputs():
    rng = np.random.default_rng(1)
    paths = [list(rng.choice([0, 1, 2, 3, 4, BLANK, BLANK, BLANK], size=40)) for _ in range(64)]
    lengths = tf.constant(rng.integers(1, 41, size=64))
    logits = peaked(paths, seed=2)
    greedy = ctc_decode(logits, lengths, beam_size=1)
    beam = ctc_decode(logits, lengths, beam_size=1)
    assert greedy[0].numpy().tolist() == beam[0].numpy().tolist()
    wide = ctc_decode(logits, lengths, beam_size=8)
    np.testing.assert_array_equal(greedy[1], wide[1])      # same lengths on peaked outputs
    assert (wide[2].numpy() >= greedy[2].numpy() - 1e-4).all()   # sums paths: >= best path


def test_padding_frames_past_the_length_change_nothing():
    paths = [[1, BLANK, 2, 2, BLANK, 3]]
    logits = peaked(paths)
    longer = tf.concat([logits, peaked([[4, 4, 4, 4]], seed=9)], axis=1)
    for beam in (1, 4):
        a = ctc_decode(logits, tf.constant([6]), beam)
        b = ctc_decode(longer, tf.constant([6]), beam)
        assert a[0].numpy().tolist() == b[0].numpy().tolist()
        np.testing.assert_allclose(a[2], b[2], atol=1e-5)


def test_ctc_loss_is_finite_and_feasibility_counts_repeats():
    labels = tf.constant([[1, 2, 0], [1, 1, 1], [2, 0, 0]])
    steps = tf.constant([3, 4, 1])
    assert ctc_feasible(labels, steps).numpy().tolist() == [True, False, True]
    logits = tf.random.stateless_normal([3, 4, 6], seed=[1, 2])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        nll = ctc_nll(labels, logits, steps)
        total = tf.reduce_sum(nll)
    grad = tape.gradient(total, logits).numpy()
    assert np.isfinite(nll.numpy()).all() and nll.numpy()[1] == 0.0    # infeasible: 0
    assert np.isfinite(grad).all() and not grad[1].any()
    assert (nll.numpy()[[0, 2]] > 0).all()
