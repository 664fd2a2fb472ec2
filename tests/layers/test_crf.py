"""seqkeras.layers.crf: Viterbi and the forward algorithm against brute force, the
probabilities of every tag sequence sum to one, and the layer checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from seqkeras.layers.crf import CRF, crf_log_norm, crf_sequence_score, viterbi_decode
from tests.layers.layer_testing import run_layer_test

PAD_TAG = -1  # padded steps of a gold path: any negative tag is masked


def brute_force(potentials, length, transitions, start, end):
    best, best_score, scores = None, -np.inf, []
    k = potentials.shape[-1]
    for path in itertools.product(range(k), repeat=length):
        s = start[path[0]] + end[path[-1]] + sum(potentials[t, y] for t, y in enumerate(path))
        s += sum(transitions[a, b] for a, b in zip(path, path[1:]))
        scores.append(s)
        if s > best_score:
            best, best_score = path, s
    return list(best), best_score, np.logaddexp.reduce(scores)


def test_viterbi_and_forward_algorithm_equal_brute_force():
    rng = np.random.default_rng(42)
    k, steps = 3, 5
    potentials = rng.normal(size=(4, steps, k)).astype("float32")
    transitions = rng.normal(size=(k, k)).astype("float32") * 2
    start, end = rng.normal(size=k).astype("float32"), rng.normal(size=k).astype("float32")
    lengths = np.array([5, 3, 1, 0])
    paths, scores = viterbi_decode(potentials, lengths, transitions, start, end)
    log_z = crf_log_norm(potentials, lengths, transitions, start, end).numpy()
    for b, n in enumerate(lengths):
        if n == 0:
            assert paths.numpy()[b].tolist() == [0] * steps and log_z[b] == 0
            continue
        path, score, z = brute_force(potentials[b, :n], n, transitions, start, end)
        assert paths.numpy()[b, :n].tolist() == path
        assert paths.numpy()[b, n:].tolist() == [0] * (steps - n)
        assert scores.numpy()[b] == pytest.approx(score, rel=1e-5)
        assert log_z[b] == pytest.approx(z, rel=1e-5)
        gold = np.array(path + [PAD_TAG] * (steps - n))
        seq = crf_sequence_score(potentials[b:b + 1], gold[None], [n], transitions, start, end)
        assert float(seq[0]) == pytest.approx(score, rel=1e-5)
    # an empty batch dimension in time decodes to an empty matrix
    empty, _ = viterbi_decode(np.zeros((2, 0, k), "float32"), [0, 0], transitions, start, end)
    assert empty.shape == (2, 0)


def test_crf_probabilities_sum_to_one():
    rng = np.random.default_rng(1)
    k, n = 2, 3
    potentials = rng.normal(size=(1, n, k)).astype("float32")
    layer = CRF(k)
    layer.build((None, None, k))
    total = sum(np.exp(float(layer.log_likelihood(potentials, np.array([p]), [n])[0]))
                for p in itertools.product(range(k), repeat=n))
    assert total == pytest.approx(1.0, rel=1e-5)


def test_layer_checks():
    potentials = np.random.default_rng(2).normal(size=(2, 4, 3)).astype("float32")
    out = run_layer_test(CRF, {"num_tags": 3, "name": "crf"}, potentials,
                         expected_output_shape=(2, 4, 3), expected_num_weights=3)
    np.testing.assert_allclose(out, potentials)  # potentials pass through unchanged
