"""All six stages of a many_to_many tagger on a tiny slice of the real CoNLL-2003 data,
then the export as TF Serving sees it: raw sentences in, one tag per token out."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from seqkeras.constants import PARITY_FILE
from seqkeras.runner import run_pipeline
from seqkeras.serving.check import check_serving
from seqkeras.stages import STAGE_NAMES
from tests.pipeline_helpers import require_shared, workdir  # noqa: F401

pytestmark = pytest.mark.slow

SPEC = """
name: conll_tiny
topology: many_to_many
seed: 11
data:
  sources:
    - {path: conll2003/train.txt, format: conll, text_field: 0, label_field: -1, split: train}
    - {path: conll2003/valid.txt, format: conll, text_field: 0, label_field: -1, split: val}
    - {path: conll2003/test.txt, format: conll, text_field: 0, label_field: -1, split: test}
  tag_scheme: iob2
  max_records_per_split: 40
tokenize:
  level: word
  lowercase: true
  replace: [{pattern: "[0-9]", rewrite: "0"}]
  max_length: 60
model:
  embedding_dim: 8
  cell: gru
  units: 8
  bidirectional: true
  char_embedding_dim: 6
  char_units: 4
  char_encoder: cnn
  casing_dim: 3
  word_dropout: 0.1
  crf: true
tune:                      # the tuner may switch features on and off between trials
  enabled: true
  algorithm: random
  max_trials: 2
  epochs: 1
  steps_per_epoch: 2
  objective: val_loss
  space:
    model.char_embedding_dim: {choice: [0, 6]}
    model.casing_dim: {choice: [0, 3]}
train:
  epochs: 2
  batch_size: 16
  steps_per_epoch: 2
  early_stopping: null
export:
  parity_examples: 8
"""


def test_tagger_six_stages_and_serving(workdir):  # noqa: F811
    for split in ("train", "valid", "test"):
        require_shared(f"conll2003/{split}.txt")
    spec_path = workdir / "pipelines" / "conll_tiny.yaml"
    spec_path.parent.mkdir(parents=True)
    spec_path.write_text(SPEC)
    report = run_pipeline(spec_path)
    assert report.ran == STAGE_NAMES

    data = workdir / "data/conll_tiny"
    trials = json.loads((data / "tune/trials.json").read_text())
    assert len(trials) == 2 and all(np.isfinite(t["score"]) for t in trials)
    tags = (data / "tokenize/tags.txt").read_text().split("\n")[:-1]
    assert tags[0] == "O" and all(t == "O" or t[:2] in ("B-", "I-") for t in tags)
    test_records = [json.loads(line) for line in (data / "ingest/test.jsonl").open()]
    assert len(test_records) == 40

    metrics = json.loads((data / "train/metrics.json").read_text())
    for name in ("test_entity_f1", "test_entity_precision", "test_entity_recall",
                 "test_token_accuracy", "test_loss"):
        assert np.isfinite(metrics[name]) and metrics[name] >= 0
    assert metrics["test_token_accuracy"] <= 1 and metrics["test_entity_f1"] <= 1
    entity = json.loads((data / "train/entity_report.json").read_text())
    assert entity["sentences"] == 40 and entity["tokens"] == sum(len(r["tokens"]) for r in test_records)
    assert (data / "train/entity_f1.png").stat().st_size > 0

    # the C++ loader (as TF Serving) loads it, replays warmup, answers like the Keras model
    check = check_serving(workdir / "models/conll_tiny")
    assert check["ok"] and check["disallowed_ops"] == [] and check["warmup_requests"] >= 1
    assert "RegexSplitWithOffsets" in check["text_ops_used"]
    sigs = check["signatures"]
    assert sigs["serving_default"]["inputs"] == {"text": "serving_default_text:0"}
    assert sigs["serving_default"]["outputs"] == ["lengths", "tags", "tokens"]
    assert set(sigs["from_tokens"]["inputs"]) == {"tokens", "lengths"}
    assert check["parity"]["examples"] == 8
    parity = json.loads((workdir / "models/conll_tiny/1/assets.extra" / PARITY_FILE).read_text())
    for text, tokens, row_tags, n in zip(parity["inputs"]["text"], parity["outputs"]["tokens"],
                                         parity["outputs"]["tags"], parity["outputs"]["lengths"]):
        assert len(tokens) == len(row_tags)
        assert all(t in tags for t in row_tags[:n]) and set(row_tags[n:]) <= {""}
        assert all(tokens[:n]) and set(tokens[n:]) <= {""}

    # served tags line up one per token with the CoNLL tokens of the test sentences
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    loaded = tf.saved_model.load(str(workdir / "models/conll_tiny/1"))
    sentences = [" ".join(r["tokens"]) for r in test_records[:20]]
    out = loaded.signatures["serving_default"](text=tf.constant(sentences))
    tokens, served, lengths = (out[k].numpy() for k in ("tokens", "tags", "lengths"))
    matched = 0
    for record, row_tokens, row_tags, n in zip(test_records, tokens, served, lengths):
        row = [t.decode() for t in row_tokens[:n]]
        assert len(row) == n and (row_tags[:n] != b"").all() and (row_tags[n:] == b"").all()
        matched += row == record["tokens"]
    assert matched >= 18  # the in-graph tokenizer reproduces CoNLL's tokens
    again = loaded.signatures["from_tokens"](tokens=tf.constant(tokens),
                                             lengths=tf.constant(lengths))
    assert again["tags"].numpy().tolist() == served.tolist()

    from seqkeras.serving.predict import predict

    lines = predict(workdir / "models/conll_tiny", ["Rand is a friend of Perrin .", ""])
    assert len(lines) == 2 and lines[1] == ""
    # whatever it tagged, removing the [...]TYPE brackets gives the sentence back
    assert re.sub(r"\[([^\]]*)\][A-Z]+", r"\1", lines[0]) == "Rand is a friend of Perrin ."
    # --json: every token's tag, as TF Serving's REST API would answer
    [answer] = predict(workdir / "models/conll_tiny", ["Rand is a friend of Perrin ."],
                       as_json=True)
    outputs = json.loads(answer)["outputs"]
    assert outputs["lengths"] == [7] and outputs["tokens"][0][:2] == ["Rand", "is"]
    assert len(outputs["tags"][0]) == len(outputs["tokens"][0])
    assert all(t.startswith(("B-", "I-")) or t == "O" for t in outputs["tags"][0][:7])

    # accented words of any script keep one tag per word (RE2's \w is ASCII: issue 11)
    for sentence, words in (("Müller fährt nach Zürich .", 5),
                            ("São Paulo é a maior cidade do Brasil .", 9)):
        out = loaded.signatures["serving_default"](text=tf.constant([sentence]))
        assert int(out["lengths"].numpy()[0]) == words
        [line] = predict(workdir / "models/conll_tiny", [sentence])
        assert re.sub(r"\[([^\]]*)\][A-Z]+", r"\1", line) == sentence

    # the run compares the tagger with its baselines and reports the served-path F1
    assert {"baseline_test_entity_f1", "skill_entity_f1", "majority_test_token_accuracy",
            "test_raw_text_entity_f1", "test_unseen_label_records"} <= set(metrics)
    assert "val_entity_f1" in json.loads((data / "train/history.json").read_text())
