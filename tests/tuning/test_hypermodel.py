"""The hypermodel's trials train the way the run will: in ``train.precision`` and under
``train.learning_rate_schedule`` (a cosine over the trial's epochs), so a tuned
learning rate is chosen under the schedule it is then used with."""

from __future__ import annotations

import keras_tuner as kt
import numpy as np

from seqkeras.spec import PipelineSpec
from seqkeras.spec.auto import fixed
from seqkeras.topologies import get_topology
from seqkeras.tuning.hypermodel import PipelineHyperModel

WORDS = ["good", "bad", "fine", "awful", "great", "poor", "film", "plot", "the", "a"]


def records(n=32, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        words = list(rng.choice(WORDS, size=5))
        label = "pos" if i % 2 else "neg"
        words[2] = "good" if label == "pos" else "bad"
        out.append({"text": " ".join(words), "label": label})
    return out


def test_trials_train_in_the_runs_precision_and_schedule(tmp_path):
    spec = fixed(PipelineSpec.model_validate({
        "name": "hm", "topology": "many_to_one", "data": {"sources": [{"path": "x.csv"}]},
        "tokenize": {"level": "word", "max_tokens": 30, "max_length": 8},
        "model": {"embedding_dim": 4, "units": 4, "ngram_branch": False},
        "train": {"epochs": 3, "batch_size": 8, "learning_rate": 0.01,
                  "precision": "mixed_bfloat16", "learning_rate_schedule": "cosine"},
        "tune": {"enabled": True, "epochs": 3, "space": {"model.units": {"choice": [4, 6]}}}}))
    topology = get_topology("many_to_one")
    train = records()
    topology.fit_preprocessor(spec, train, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    hypermodel = PipelineHyperModel(spec, topology, prep, train, records(16, seed=1))
    hp = kt.HyperParameters()
    hypermodel.declare_hyperparameters(hp)
    model = hypermodel.build(hp)
    assert model.get_layer("probability").compute_dtype == "bfloat16"
    history = hypermodel.fit(hp, model, epochs=3, verbose=0)
    rates = history.history["learning_rate"]
    # half a cosine over the trial's three epochs: 0.0075, 0.0025, then 0 at the end
    np.testing.assert_allclose(rates, [0.0075, 0.0025, 0.0], atol=2e-4)
