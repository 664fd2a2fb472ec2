"""All six stages of a generation pipeline on a tiny slice of names.txt, then the export
as TF Serving sees it: the served strings equal the Python per-step decoder's."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from seqkeras.constants import PARITY_FILE
from seqkeras.io.atomic import read_jsonl
from seqkeras.spec import load_spec
from seqkeras.topologies import get_topology
from tests.pipeline_helpers import (assert_serves, require_shared, run_all_stages,  # noqa: F401
                                    workdir)

pytestmark = pytest.mark.slow

SPEC = """
name: names_tiny
topology: generation
seed: 5
data:
  sources:
    - {path: names/names.txt, format: text, label_field: null}
  max_records_per_split: 200
tokenize: {level: char, max_tokens: 100, max_length: 20}
model: {embedding_dim: 8, cell: gru, units: 16, layers: 2}
train: {epochs: 2, batch_size: 32, steps_per_epoch: 5, early_stopping: null}
generate: {temperature: 1.0, max_length: 12, samples: 10}
export: {parity_examples: 8}
"""


def test_generation_pipeline_serves_the_python_decoders_strings(workdir):  # noqa: F811
    require_shared("names/names.txt")
    path = run_all_stages(workdir, "names_tiny", SPEC)

    metrics = json.loads((workdir / "data/names_tiny/train/metrics.json").read_text())
    assert 0 < metrics["test_nll_per_char"] < 4.0      # untrained: ln(30) = 3.4
    assert np.isclose(metrics["test_perplexity"], np.exp(metrics["test_nll_per_char"]))
    assert 0.0 <= metrics["test_novel_share"] <= 1.0
    samples = (workdir / "data/names_tiny/train/samples.txt").read_text().splitlines()
    assert len(samples) == 10

    assert_serves(workdir / "models/names_tiny", {"prefix", "temperature", "max_length", "seed"}, 8)

    # the strings the C++ session produced are those of the Python reference decoder
    version = workdir / "models/names_tiny/1"
    parity = json.loads((version / "assets.extra" / PARITY_FILE).read_text())
    spec = load_spec(path)
    topo = get_topology("generation")
    prep = topo.load_preprocessor(spec, workdir / "data/names_tiny/tokenize")
    model = keras.models.load_model(workdir / "data/names_tiny/train/model.keras")
    inputs = {"prefix": np.array(parity["inputs"]["prefix"], dtype=object),
              "temperature": np.array(parity["inputs"]["temperature"], np.float32),
              "max_length": np.array(parity["inputs"]["max_length"], np.int32),
              "seed": np.array(parity["inputs"]["seed"], np.int64)}
    assert (inputs["temperature"] == 0).any() and (inputs["temperature"] > 0).any()
    assert topo.reference_decode(spec, prep, model, inputs) == parity["outputs"]["text"]
    test = read_jsonl(workdir / "data/names_tiny/ingest/test.jsonl")
    assert len(test) == 200
