"""DeeplySupervisedClassifier: each branch's own cross-entropy joins the training loss
only; metrics, val loss and the saved model see the joint probabilities."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from seqkeras.topologies.many_to_one.deep_supervision import (DeeplySupervisedClassifier,
                                                              prediction)
from seqkeras.topologies.many_to_one.topology import ManyToOne
from tests.topologies.many_to_one.test_topology import built_on_four_words, make_spec


def two_branch_model(sigmoid: bool, weights=(1.0, 0.5)):
    """A tiny two-branch classifier over 5 token ids: outputs [probabilities, head
    logits, bag logits]."""
    units = 1 if sigmoid else 3
    ids = keras.Input((5,), dtype="int64", name="token_ids")
    x = keras.layers.Embedding(10, 4, name="embedding")(ids)
    head = keras.layers.Dense(units, name="head")(keras.layers.GlobalAveragePooling1D()(x))
    bag = keras.layers.Dense(units, name="bag")(keras.layers.GlobalMaxPooling1D()(x))
    logits = keras.layers.Add(name="logits")([head, bag])
    out = keras.layers.Activation("sigmoid" if sigmoid else "softmax", name="p")(logits)
    model = DeeplySupervisedClassifier(ids, [out, head, bag], aux_loss_weights=weights,
                                       sigmoid=sigmoid, name="two_branch")
    loss = "binary_crossentropy" if sigmoid else "sparse_categorical_crossentropy"
    acc = (keras.metrics.BinaryAccuracy if sigmoid else keras.metrics.SparseCategoricalAccuracy)
    model.compile("adam", loss, metrics=[acc(name="accuracy")])
    return model


def data(sigmoid: bool, n: int = 16):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (n, 5))
    y = (rng.random((n, 1)) > 0.5).astype("float32") if sigmoid else rng.integers(0, 3, n)
    return x, y


@pytest.mark.parametrize("sigmoid", [True, False])
def test_training_loss_adds_each_branch_cross_entropy_and_evaluation_does_not(sigmoid):
    model = two_branch_model(sigmoid)
    x, y = data(sigmoid)
    p, head, bag = model(x, training=True)
    ce = (keras.losses.BinaryCrossentropy if sigmoid
          else keras.losses.SparseCategoricalCrossentropy)
    joint = float(ce()(y, p))
    branch = ce(from_logits=True)
    want = joint + 1.0 * float(branch(y, head)) + 0.5 * float(branch(y, bag))
    np.testing.assert_allclose(float(model.compute_loss(x, y, [p, head, bag], training=True)),
                               want, rtol=1e-5)
    np.testing.assert_allclose(float(model.compute_loss(x, y, [p, head, bag], training=False)),
                               joint, rtol=1e-5)
    # fit logs the names a plain classifier logs (val_accuracy is the joint model's)
    history = model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0).history
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history["loss"][0] > history["val_loss"][0]   # the auxiliary terms, training only


def test_saved_and_loaded_by_registered_name_with_its_weights(tmp_path):
    model = two_branch_model(sigmoid=True, weights=(0.0, 2.0))
    x, _ = data(True)
    assert keras.saving.get_registered_name(DeeplySupervisedClassifier) == \
        "seqkeras>DeeplySupervisedClassifier"
    config = json.loads(json.dumps(model.get_config()))
    assert (config["aux_loss_weights"], config["sigmoid"]) == ([0.0, 2.0], True)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is DeeplySupervisedClassifier
    assert (loaded.aux_loss_weights, loaded.sigmoid) == ([0.0, 2.0], True)
    np.testing.assert_allclose(prediction(loaded(x)), prediction(model(x)), atol=1e-6)
    assert prediction(model(x)).shape == (16, 1)


def test_refuses_weights_that_do_not_pair_with_the_branches():
    ids = keras.Input((5,), dtype="int64")
    x = keras.layers.Dense(1)(keras.ops.cast(ids, "float32"))
    with pytest.raises(ValueError, match="2 outputs need 1 auxiliary loss weights"):
        DeeplySupervisedClassifier(ids, [x, x], aux_loss_weights=[1.0, 1.0])
    with pytest.raises(ValueError, match="at least 0"):
        DeeplySupervisedClassifier(ids, [x, x], aux_loss_weights=[-1.0])


@pytest.mark.parametrize("labels", [["a", "b"], ["a", "b", "c"]])
def test_topology_builds_it_only_when_a_weight_is_set(tmp_path, labels):
    topology = ManyToOne()
    (tmp_path / "aux").mkdir()
    (tmp_path / "plain").mkdir()
    branch = {"buckets": 64, "aux_loss_weight": 1.0, "head_aux_loss_weight": 0.5}
    spec = make_spec(model={"units": 4, "embedding_dim": 3, "ngram_branch": branch},
                     tokenize={"level": "char"})
    prep, model = built_on_four_words(topology, spec, labels, tmp_path / "aux")
    assert isinstance(model, DeeplySupervisedClassifier)
    assert model.aux_loss_weights == [0.5, 1.0]            # head, bag
    assert len(model.outputs) == 3
    ids = prep.encoder(np.array(["abc", "a"])).to_tensor().numpy()
    p = topology.probabilities(spec, prep, model, ids).numpy()
    assert p.shape == (2, len(labels))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-6)
    ds = topology.make_dataset(spec, prep, [{"text": "abc", "label": "a"},
                                            {"text": "bca", "label": "b"}], training=True)
    assert np.isfinite(model.fit(ds, epochs=1, verbose=0).history["loss"][0])

    plain = make_spec(model={"units": 4, "embedding_dim": 3, "ngram_branch": {"buckets": 64}},
                      tokenize={"level": "char"})
    _, model = built_on_four_words(topology, plain, labels, tmp_path / "plain")
    assert not isinstance(model, DeeplySupervisedClassifier) and len(model.outputs) == 1
