"""seqkeras.topologies.seq2seq.sampled_model on the tiny translation model: with
``model.sampled_softmax`` the training step never computes the full logits, lists each
weight once, lowers the loss, and survives a save and reload; without it the model
trains as Keras' functional model does."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqkeras.layers.sampled_softmax import SampledSoftmaxLogits
from seqkeras.topologies.seq2seq.sampled_model import SampledSoftmaxModel
from tests.topologies.seq2seq.test_topology import RECORDS, setup


def test_without_sampling_it_is_the_functional_model(tmp_path):
    spec, topo, prep, model = setup(tmp_path)
    assert isinstance(model, SampledSoftmaxModel) and model.samples == 0


def test_the_training_step_skips_the_full_softmax(tmp_path, monkeypatch):
    spec, topo, prep, model = setup(tmp_path, sampled_softmax=6)
    plain = setup(tmp_path / "plain")[3]
    assert model.samples == 6 and prep.target.vocab_size > 8
    # every weight once (the sub-model up to the head shares them, untracked)
    assert len(model.trainable_weights) == len(plain.trainable_weights)
    ds = topo.make_dataset(spec, prep, RECORDS, training=True)

    def no_full_softmax(self, *args, **kwargs):
        raise AssertionError("the training step computed the full logits")

    monkeypatch.setattr(SampledSoftmaxLogits, "call", no_full_softmax)
    history = model.fit(ds, epochs=15, verbose=0).history["loss"]
    monkeypatch.undo()
    assert history[-1] < 0.7 * history[0]
    # evaluation scores every word: the full softmax
    assert np.isfinite(model.evaluate(topo.make_dataset(spec, prep, RECORDS, False), verbose=0))


def test_a_saved_model_reloads_sampling(tmp_path):
    spec, topo, prep, model = setup(tmp_path, sampled_softmax=6)
    model.fit(topo.make_dataset(spec, prep, RECORDS, training=True), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.models.load_model(path)
    assert isinstance(again, SampledSoftmaxModel) and again.samples == 6
    x, _ = next(iter(topo.make_dataset(spec, prep, RECORDS, training=False)))
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)


def test_a_sample_as_large_as_the_vocabulary_trains_on_all_of_it(tmp_path, caplog):
    spec, topo, prep, model = setup(tmp_path, sampled_softmax=10_000)
    assert model.samples == 0
    assert "training uses the full softmax" in caplog.text


def test_validate_names_a_negative_sample(tmp_path):
    import pydantic

    from tests.topologies.seq2seq.test_topology import make_spec
    with pytest.raises(pydantic.ValidationError, match="sampled_softmax"):
        make_spec(sampled_softmax=-3)


def test_xla_is_refused_with_sampling():
    import pydantic

    from tests.topologies.seq2seq.test_topology import make_spec
    with pytest.raises(pydantic.ValidationError, match="XLA does not compile"):
        make_spec(sampled_softmax=8).with_overrides({"train.jit_compile": True})


def test_sample_weights_are_refused(tmp_path):
    import tensorflow as tf

    spec, topo, prep, model = setup(tmp_path, sampled_softmax=6)
    ds = topo.make_dataset(spec, prep, RECORDS, training=True)
    weighted = ds.map(lambda x, y: (x, y, tf.ones_like(y, tf.float32)))
    with pytest.raises(ValueError, match="sample weights"):
        model.fit(weighted, epochs=1, verbose=0)
