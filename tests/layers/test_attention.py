"""seqkeras.layers.attention: weights are a distribution over the real source steps only,
the step-by-step path equals the whole-sequence path, and the layer survives a save/load."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqkeras.layers.attention import SourceAttention
from tests.layers.layer_testing import run_layer_test


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, 3, 6)).astype("float32")
    values = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    return query, values, mask


@pytest.mark.parametrize("score", ["bahdanau", "luong"])
def test_weights_sum_to_one_over_real_source_steps(score):
    query, values, mask = inputs()
    layer = SourceAttention(7, score)
    layer.build((query.shape, values.shape))
    context, weights = layer.attend(query, layer.project_keys(values), values, mask)
    weights = np.asarray(weights)
    assert context.shape == (2, 3, 4) and weights.shape == (2, 3, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(weights[0, :, 3:] < 1e-6)          # padding gets no weight
    # the context is the weighted sum of the values
    np.testing.assert_allclose(np.asarray(context), weights @ values, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("score", ["bahdanau", "luong"])
def test_one_query_at_a_time_equals_all_queries(score):
    query, values, mask = inputs(1)
    layer = SourceAttention(5, score)
    layer.build((query.shape, values.shape))
    keys = layer.project_keys(values)
    whole, _ = layer.attend(query, keys, values, mask)
    steps = [layer.attend(query[:, t:t + 1], keys, values, mask)[0] for t in range(3)]
    np.testing.assert_allclose(np.asarray(whole), np.concatenate(steps, 1), rtol=1e-5, atol=1e-6)


def test_padding_values_do_not_change_the_context():
    query, values, mask = inputs(2)
    layer = SourceAttention(4, "bahdanau")
    layer.build((query.shape, values.shape))
    changed = values.copy()
    changed[0, 3:] = 100.0                            # garbage in padded steps
    a, _ = layer.attend(query, layer.project_keys(values), values, mask)
    b, _ = layer.attend(query, layer.project_keys(changed), changed, mask)
    np.testing.assert_allclose(np.asarray(a[0]), np.asarray(b[0]), rtol=1e-5, atol=1e-6)


def test_unknown_score_is_refused():
    with pytest.raises(ValueError, match="unknown attention score 'dot'"):
        SourceAttention(4, "dot")


def test_in_a_model_it_masks_by_the_source_and_round_trips(tmp_path):
    q_in = keras.Input((None, 6))
    ids = keras.Input((None,), dtype="int64")
    v = keras.layers.Embedding(10, 4, mask_zero=True)(ids)
    out = SourceAttention(3, "luong", name="att")([q_in, v])
    model = keras.Model([q_in, ids], out)
    query = np.random.default_rng(3).normal(size=(1, 2, 6)).astype("float32")
    a = model([query, np.array([[4, 5, 0, 0]])])
    b = model([query, np.array([[4, 5, 7, 9]])])
    c = model([query, np.array([[4, 5, 0]])])
    np.testing.assert_allclose(np.asarray(a), np.asarray(c), rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(a), np.asarray(b))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.get_layer("att").score == "luong"
    np.testing.assert_allclose(np.asarray(loaded([query, np.array([[4, 5, 0, 0]])])),
                               np.asarray(a), rtol=1e-6)


@pytest.mark.parametrize("score, weights", [("bahdanau", 3), ("luong", 1)])
def test_layer_checks(score, weights):
    query, values, mask = inputs(4)
    out = run_layer_test(SourceAttention, {"units": 7, "score": score, "name": "att"},
                         [query, values], call_kwargs={"mask": [None, mask]},
                         expected_output_shape=(2, 3, 4), expected_num_weights=weights)
    assert np.isfinite(out).all()
