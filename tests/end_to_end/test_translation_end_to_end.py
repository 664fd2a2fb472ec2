"""All six stages of a translation pipeline on a tiny slice of the Tatoeba pairs, then
the export as TF Serving sees it: raw English in, French strings and attention out of
one call, equal to the Keras model's own in-graph decoding and to the Python loop."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqkeras.constants import PARITY_FILE
from seqkeras.topologies.seq2seq.decoder import python_greedy
from seqkeras.spec import load_spec
from seqkeras.topologies import get_topology
from tests.pipeline_helpers import (assert_serves, require_shared, run_all_stages,  # noqa: F401
                                    workdir)

pytestmark = pytest.mark.slow

SPEC = """
name: translate_tiny
topology: seq2seq
seed: 5
data:
  sources:
    - path: tatoeba_fra_eng/fra-eng_2019-04.zip
      member: fra-eng/fra.txt
      format: tsv
      header: false
      text_field: 0
      target_field: 1
      label_field: null
  max_records_per_split: 120
tokenize: {level: wordpiece, max_tokens: 200, max_length: 16}   # the fast_wordpiece ops
target_tokenize: {level: word_marked, lowercase: false, max_tokens: 200, max_length: 12}
model: {embedding_dim: 8, cell: gru, units: 8, bidirectional: true, attention: luong,
       head_layer_norm: true}
train: {epochs: 2, batch_size: 32, steps_per_epoch: 3, early_stopping: null}
generate: {beam_size: 2, max_length: 8}
export: {parity_examples: 6}
"""


def test_translation_pipeline_serves_in_graph_decoding(workdir):  # noqa: F811
    require_shared("tatoeba_fra_eng/fra-eng_2019-04.zip")
    path = run_all_stages(workdir, "translate_tiny", SPEC)

    train_dir = workdir / "data/translate_tiny/train"
    metrics = json.loads((train_dir / "metrics.json").read_text())
    assert metrics["test_pairs"] == 120 and metrics["test_beam_size"] == 2
    for key in ("test_bleu", "test_bleu_greedy", "test_chrf"):
        assert 0.0 <= metrics[key] <= 100.0
    assert 0.0 <= metrics["test_exact_match"] <= metrics["test_exact_match_any"] <= 1.0
    assert (train_dir / "attention.png").stat().st_size > 0
    assert "reference:" in (train_dir / "translations.txt").read_text()

    report = assert_serves(workdir / "models/translate_tiny", {"source"}, 6)
    assert {"translation", "attention", "source_tokens"} <= \
        set(report["signatures"]["serving_default"]["outputs"])

    # what the C++ session answered (checked equal above) is the Python loop's greedy
    # output when the beam is one wide
    spec = load_spec(path)
    topo = get_topology("seq2seq")
    prep = topo.load_preprocessor(spec, workdir / "data/translate_tiny/tokenize")
    model = keras.models.load_model(train_dir / "model.keras")
    parity = json.loads(next((workdir / "models/translate_tiny").glob(
        f"*/assets.extra/{PARITY_FILE}")).read_text())
    sources = parity["inputs"]["source"]
    fn = topo.translator(spec, prep, model, beam_size=1)
    served = fn(tf.constant(sources))
    src_ids = prep.source(tf.constant(sources)).to_tensor().numpy()
    expected = python_greedy(model, src_ids, spec.generate.max_length)
    tokens = served["tokens"].numpy()
    for row, n, ids in zip(tokens, served["length"].numpy(), expected):
        assert [t.decode() for t in row[:n]] == [prep.target.vocab[i] for i in ids]
    assert np.all(served["length"].numpy() <= spec.generate.max_length)


def test_mixed_bfloat16_training_saves_and_serves_a_float32_model(workdir):  # noqa: F811
    require_shared("tatoeba_fra_eng/fra-eng_2019-04.zip")
    spec = SPEC.replace("name: translate_tiny", "name: translate_bf16").replace(
        "early_stopping: null}", "early_stopping: null, precision: mixed_bfloat16}")
    run_all_stages(workdir, "translate_bf16", spec)
    model = keras.models.load_model(workdir / "data/translate_bf16/train/model.keras")
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    metrics = json.loads((workdir / "data/translate_bf16/train/metrics.json").read_text())
    assert np.isfinite(metrics["test_loss"])
    assert_serves(workdir / "models/translate_bf16", {"source"}, 6)
