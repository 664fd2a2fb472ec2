"""Aligned tagging of numeric ``[T, F]`` sequences: one tag a step (``input.kind: numeric``).

The many-to-many (Tx = Ty) case of the seeds over measurements, e.g. a sensor stream
labelled step by step with the activity of the moment. Records are ``{"sequence": [T,
F], "tags": [T]}`` (ingest: ``seqkeras.ingest.measurements`` with the spec's
``PER_STEP_LABELS``). The steps are standardized in-graph with the training split's
statistics and masked by their lengths (``seqkeras.measurements``); a stacked
(bi)directional recurrent encoder returns one output a step, a dense layer gives per-tag
potentials, decoded per step (softmax) or jointly by the CRF (``model.crf``), with the
same ``TaggerModel`` loss over real steps as the token tagger. Tests metrics: per-step
accuracy and segment-level (conlleval) precision, recall and F1, where a run of one tag
is a segment.

Serving (``seqkeras.measurements.serving``): ``serving_default`` takes ``features``
float32 ``[None, None, F]``, ``from_padded`` adds ``lengths``; both answer ``tags``
string ``[B, T]`` ("" past a row's length) and ``lengths`` int64 ``[B]``.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.errors import DataError
from seqkeras.io.atomic import write_json
from seqkeras.measurements import serving as measurement_serving
from seqkeras.measurements.dataset import examples
from seqkeras.measurements.fit import fit_measurements
from seqkeras.measurements.model_inputs import LENGTHS, frame_inputs
from seqkeras.measurements.prep import MeasurementPrep, load_prep
from seqkeras.topologies.base import as_text
from seqkeras.topologies.many_to_many.metrics import entity_report
from seqkeras.topologies.many_to_many.tagger_model import (PAD_TAG, MaskedTokenAccuracy,
                                                            tagger_outputs,
                                                          TaggerModel, decode_potentials)
from seqkeras.training.batching import batch_dataset, seeded_permutation
from seqkeras.training.optimizers import compile_model

TAGS_FILE = "tags.txt"
REPORT_JSON = "step_report.json"


@dataclass
class FramePrep:
    """The tokenize stage's output for numeric tagging: the measurement encoder and the
    tags in id order."""

    measurements: MeasurementPrep
    tags: list[str]

    @property
    def tag_index(self) -> dict[str, int]:
        """Tag -> id."""
        return {t: i for i, t in enumerate(self.tags)}


def _tagged(records: list[dict], what: str) -> list[dict]:
    kept = [r for r in records if r.get("tags") and "sequence" in r]
    if not kept:
        raise DataError(f"numeric tagging needs [T, F] sequences with one tag a step ({what} "
                        "has none): set label_field to the tags")
    return kept


class FrameTagger:
    """The many_to_many hooks for numeric input (the topology delegates to these)."""

    def fit(self, spec, records, out_dir: Path) -> dict:
        """Tags and measurement statistics from the training split; the summary."""
        records = _tagged(records, "the training split")
        counts = collections.Counter(t for r in records for t in r["tags"])
        if len(counts) < 2:
            raise DataError(f"the training split has {len(counts)} distinct tag(s); tagging "
                            "needs at least two")
        tags = sorted(counts, key=lambda t: (t != "O", t))
        (Path(out_dir) / TAGS_FILE).write_text("".join(f"{t}\n" for t in tags),
                                                encoding="utf-8")
        summary = fit_measurements(spec, records, out_dir,
                                   describe=lambda r: collections.Counter(
                                       r["tags"]).most_common(1)[0][0])[1]
        summary.update(num_tags=len(tags), train_sequences=len(records),
                       train_steps=int(sum(counts.values())))
        write_json(Path(out_dir) / "tokenize_summary.json", summary)
        return summary

    def load(self, spec, prep_dir: Path) -> FramePrep:
        """The prep the tokenize stage wrote."""
        tags = (Path(prep_dir) / TAGS_FILE).read_text(encoding="utf-8").split("\n")[:-1]
        return FramePrep(load_prep(spec.input, prep_dir), tags)

    def build(self, spec, prep: FramePrep):
        """Masked frames -> recurrent stack -> per-step potentials (-> CRF)."""
        m = spec.model
        keras.utils.set_random_seed(spec.seed)
        inputs, x, _ = frame_inputs(prep.measurements.feature_size, m)
        out = tagger_outputs(x, m, len(prep.tags))
        model = TaggerModel(inputs, out, name=f"{spec.name}_many_to_many")
        return compile_model(model, spec.train, None, [MaskedTokenAccuracy(name="accuracy")])

    def _targets(self, spec, prep, records) -> tf.data.Dataset:
        index, limit = prep.tag_index, spec.input.max_length
        rows = [[index.get(t, 0) for t in r["tags"]] for r in records]
        if limit is not None:
            rows = [row[-limit:] if spec.input.truncate == "keep_end" else row[:limit]
                    for row in rows]
        splits = tf.constant(np.cumsum([0] + [len(r) for r in rows]), tf.int64)
        flat = tf.constant(np.array([t for r in rows for t in r], np.int32))
        return tf.data.Dataset.range(len(rows)).map(lambda i: flat[splits[i]:splits[i + 1]])

    def dataset(self, spec, prep: FramePrep, records, training: bool):
        """Batches of ({"features", "lengths"}, tag ids padded with PAD_TAG)."""
        records = _tagged(records, "a split")
        if training:
            records = seeded_permutation(records, spec.seed)
        ds = tf.data.Dataset.zip(examples(prep.measurements, records, training),
                                 self._targets(spec, prep, records))
        pad = ({"features": tf.constant(0.0), LENGTHS: tf.constant(0, tf.int32)},
               tf.constant(PAD_TAG, tf.int32))
        return batch_dataset(ds, spec, training, spec.input.max_length,
                             length=lambda x, y: x[LENGTHS], padding_values=pad)

    def predict(self, spec, prep: FramePrep, model, records) -> list[list[str]]:
        """Predicted tags of each record's steps, in order."""
        answer = tf.function(self.answerer(prep, model), reduce_retracing=True)
        predicted = []
        for x, _ in self.dataset(spec, prep, records, False):
            out = answer(x["features"], x[LENGTHS])
            predicted += [[as_text(t) for t in row[:n]] for row, n in
                          zip(out["tags"].numpy(), out["lengths"].numpy())]
        return predicted

    def epoch_callbacks(self, spec, prep: FramePrep, val_records) -> list:
        """``val_entity_f1``: segment F1 of the val sequences after every epoch."""
        from seqkeras.training.epoch_metrics import ValidationMetrics

        val_records = [r for r in val_records if r.get("tags")]
        if not val_records:
            return []

        def compute(model):
            predicted = self.predict(spec, prep, model, val_records)
            gold = [r["tags"][:len(p)] for r, p in zip(val_records, predicted)]
            return {"entity_f1": entity_report(gold, predicted)["f1"]}
        return [ValidationMetrics(compute, f"{len(val_records):,} val sequences")]

    def evaluate(self, spec, prep: FramePrep, model, records, out_dir: Path) -> dict:
        """Per-step accuracy and segment scores on ``records``; writes the report."""
        records = _tagged(records, "the evaluation split")
        results = model.evaluate(self.dataset(spec, prep, records, False), verbose=0,
                                 return_dict=True)
        predicted = self.predict(spec, prep, model, records)
        gold = [r["tags"][:len(p)] for r, p in zip(records, predicted)]
        report = entity_report(gold, predicted)
        write_json(Path(out_dir) / REPORT_JSON, report)
        return {"loss": float(results["loss"]), "accuracy": report["token_accuracy"],
                "segment_f1": report["f1"], "segment_precision": report["precision"],
                "segment_recall": report["recall"]}

    def answerer(self, prep: FramePrep, model):
        """``(features [B, T, F], lengths [B]) -> {"tags", "lengths"}``, decoded in-graph."""
        names = tf.constant(prep.tags)
        crf = getattr(model, "crf_layer", None)

        def answer(features, lengths):
            width = tf.shape(features)[1]
            # one padding step keeps inputs without steps valid; the lengths mask it
            padded = tf.pad(features, [[0, 0], [0, 1], [0, 0]])
            potentials = model({"features": padded, LENGTHS: lengths}, training=False)
            ids = decode_potentials(potentials, lengths, crf)[:, :width]
            mask = tf.sequence_mask(lengths, width)
            return {"tags": tf.where(mask, tf.gather(names, ids), ""),
                    "lengths": tf.cast(lengths, tf.int64)}

        return answer

    def serving(self, spec, prep: FramePrep, model) -> dict:
        """``features`` (+ ``lengths``) -> tags (``seqkeras.measurements.serving``)."""
        return measurement_serving.serving_endpoints(prep.measurements,
                                                     self.answerer(prep, model))

    @staticmethod
    def format_prediction(inputs: dict, outputs: dict, names=None) -> list[str]:
        """One line a sequence: its runs of tags, ``Walking x40, Running x60``."""
        lines = []
        for what, tags, n in zip(measurement_serving.describe(inputs, names),
                                 outputs["tags"], outputs["lengths"]):
            runs = []
            for tag in (as_text(t) for t in tags[:int(n)]):
                if runs and runs[-1][0] == tag:
                    runs[-1][1] += 1
                else:
                    runs.append([tag, 1])
            lines.append(f"{what}: " + ", ".join(f"{t} x{k}" for t, k in runs))
        return lines
