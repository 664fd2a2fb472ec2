"""Scoring the tagger on a split: predicted tags in one pass, conlleval entity scores
on the corpus's tokens and through the served raw-text path, the report files.

Tags the training split never had cannot be predicted: their tokens count as errors
(the gold tags are scored as they are) and the records holding them are counted
(``unseen_label_records``, ``unseen_tag_tokens``).
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path

import tensorflow as tf

from seqkeras.io.atomic import write_json
from seqkeras.training.epoch_metrics import reuse
from seqkeras.topologies.many_to_many.metrics import (entity_report, entity_report_markdown,
                                                     uses_chunk_tags)
from seqkeras.topologies.many_to_many.plots import entity_scores_plot
from seqkeras.topologies.many_to_many.raw_text import served_tags
from seqkeras.topologies.many_to_many.tagger_model import (PAD_TAG, decode_potentials,
                                                          tagging_loss_sum)

REPORT_JSON, REPORT_MD, REPORT_PNG = "entity_report.json", "entity_report.md", "entity_f1.png"
log = logging.getLogger("seqkeras")


def predict_tags(topology, spec, prep, model, records,
                 cache: dict | None = None) -> tuple[list[list[str]], float]:
    """Predicted tags per record (tokens past tokenize.max_length tagged O) and the mean
    loss per real token, in one pass (records batched by length). ``topology``: the
    ManyToMany instance (its token dataset and featurizer). ``cache``: a dict the caller
    keeps between calls (the per-epoch val F1) so the traced step is reused, not traced
    again each epoch (it reads the model's variables, so it sees every update)."""
    order = sorted(range(len(records)), key=lambda i: len(records[i]["tokens"]))
    ordered = [records[i] for i in order]
    ds = topology._token_dataset(spec, prep, ordered).padded_batch(
        spec.train.batch_size,
        padding_values=(tf.constant("", tf.string), tf.constant(PAD_TAG, tf.int32)))
    ds = ds.map(topology._features(spec, prep))
    step = reuse(cache, model, lambda: _tagging_step(model))

    predicted, loss_sum, token_count = [], 0.0, 0.0
    for features, tags in ds:
        ids, total, tokens = step(features, tags)
        lengths = (tags.numpy() >= 0).sum(axis=1)
        predicted += [row[:n].tolist() for row, n in zip(ids.numpy(), lengths)]
        loss_sum, token_count = loss_sum + float(total), token_count + float(tokens)
    out: list = [None] * len(records)
    keep_end = spec.tokenize.truncate == "keep_end"
    for i, ids in zip(order, predicted):
        tags = [prep.tags[j] for j in ids]
        missing = ["O"] * (len(records[i]["tokens"]) - len(tags))
        out[i] = missing + tags if keep_end else tags + missing
    return out, loss_sum / max(token_count, 1.0)


def _tagging_step(model):
    """(features, tags [B, T] int32, -1 = padding) -> (tag ids [B, T], summed loss,
    real tokens), traced once per padded shape family."""
    crf = getattr(model, "crf_layer", None)

    @tf.function(reduce_retracing=True)
    def step(features, tags):
        potentials = model(features, training=False)
        lengths = tf.reduce_sum(tf.cast(tags >= 0, tf.int32), axis=1)
        total, tokens = tagging_loss_sum(tags, potentials, crf)
        return decode_potentials(potentials, lengths, crf), total, tokens
    return step


def evaluate(topology, spec, prep, model, records, out_dir: Path, serve_text=None) -> dict:
    """Test metrics (names without ``test_``): ``entity_f1`` / precision / recall and per
    type on the corpus's tokens (over tokens for a tag set without chunk prefixes:
    ``metrics.entity_report``'s ``per_token``), ``raw_text_entity_f1`` through ``serve_text`` (the
    served raw-text function; skipped when None), ``token_accuracy``, ``loss`` and the
    unseen-tag counts. Writes the entity report (json, markdown, plot) into ``out_dir``."""
    predicted, loss = predict_tags(topology, spec, prep, model, records)
    gold = [r["tags"] for r in records]
    per_token = not uses_chunk_tags(prep.tags)   # part of speech: F1 over tokens
    report = entity_report(gold, predicted, per_token)
    write_json(out_dir / REPORT_JSON, report)
    (out_dir / REPORT_MD).write_text(
        entity_report_markdown(report, f"{spec.name}: entity-level scores (test)"),
        encoding="utf-8")
    entity_scores_plot(report, out_dir / REPORT_PNG, f"{spec.name}: entity scores (test)")
    metrics = {"loss": loss, "entity_f1": report["f1"],
               "entity_precision": report["precision"], "entity_recall": report["recall"],
               "token_accuracy": report["token_accuracy"]}
    for kind, r in report["per_type"].items():
        metrics[f"entity_f1_{kind}"] = r["f1"]
    known = set(prep.tags)
    unseen = collections.Counter(t for tags in gold for t in tags if t not in known)
    metrics["unseen_label_records"] = sum(any(t not in known for t in tags) for tags in gold)
    metrics["unseen_tag_tokens"] = sum(unseen.values())
    if unseen:
        log.warning("evaluate: %d record(s) hold tags unseen in training (%s); their tokens "
                    "count as errors", metrics["unseen_label_records"],
                    ", ".join(f"{t} x{n}" for t, n in unseen.most_common(5)))
    if serve_text is not None:
        raw = entity_report(gold, served_tags(serve_text, spec, records), per_token)
        metrics["raw_text_entity_f1"] = raw["f1"]
        metrics["raw_text_token_accuracy"] = raw["token_accuracy"]
        log.info("evaluate: entity F1 %.4f on the corpus's tokens, %.4f through the served "
                 "raw-text path (in-graph tokenizer, aligned back)", report["f1"], raw["f1"])
    return metrics
