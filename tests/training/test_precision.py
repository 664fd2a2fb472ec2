"""train.precision: layers built inside ``training_precision`` compute in bfloat16 with
float32 weights, the global policy comes back, and the float32 copy keeps every
trained weight (the saved and exported model is float32)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqkeras.training.precision import float32_copy, training_precision


def tiny(vocab: int = 20, units: int = 6) -> keras.Model:
    ids = keras.Input(shape=(None,), dtype="int64")
    x = keras.layers.Embedding(vocab, 4, mask_zero=True)(ids)
    x = keras.layers.GRU(units)(x)
    out = keras.layers.Dense(2)(x)
    model = keras.Model(ids, out)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_layers_built_inside_compute_in_bfloat16_and_the_policy_comes_back():
    before = keras.config.dtype_policy().name
    with training_precision("mixed_bfloat16"):
        model = tiny()
    assert keras.config.dtype_policy().name == before
    dense = model.layers[-1]
    assert dense.compute_dtype == "bfloat16" and dense.variable_dtype == "float32"
    assert model(np.array([[1, 2, 3]])).dtype == "bfloat16"


def test_the_policy_comes_back_when_the_build_raises():
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError):
        with training_precision("mixed_bfloat16"):
            raise RuntimeError("build failed")
    assert keras.config.dtype_policy().name == before


def test_the_float32_copy_keeps_the_trained_weights():
    with training_precision("mixed_bfloat16"):
        model = tiny()
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 20, size=(32, 5)), rng.integers(0, 2, size=(32,))
    model.fit(x, y, epochs=2, verbose=0)
    twin = float32_copy(tiny, model)
    assert all(layer.compute_dtype == "float32" for layer in twin.layers[1:])
    for a, b in zip(model.weights, twin.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the same weights: outputs agree to bfloat16's precision
    np.testing.assert_allclose(np.asarray(twin(x[:4]), dtype=np.float32),
                               np.asarray(model(x[:4]), dtype=np.float32), atol=0.05)


def test_a_rebuild_that_does_not_match_is_refused():
    model = tiny(units=6)
    with pytest.raises(ValueError, match="does not match"):
        float32_copy(lambda: tiny(units=7), model)


def test_an_unknown_precision_is_a_key_error():
    with pytest.raises(KeyError):
        with training_precision("float8"):
            pass


def test_a_layer_frozen_after_the_build_stays_frozen_in_the_copy():
    with training_precision("mixed_bfloat16"):
        model = tiny()
    model.layers[1].trainable = False  # as ngram_branch.prefit freezes the fitted bag
    twin = float32_copy(tiny, model)
    assert [layer.trainable for layer in twin.layers] == \
        [layer.trainable for layer in model.layers]
    assert twin.layers[1].trainable is False
