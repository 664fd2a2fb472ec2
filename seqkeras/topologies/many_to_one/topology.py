"""Many-to-one: a sequence in, one label out (sentiment, spam, spoken digits, activities).

The recurrent stack reads the whole sequence and only its final state feeds the
classification head: the seeds' "disregard all outputs except the last one". The
sequence is text (tokens, embedded) or measurements (``input.kind`` numeric or audio:
frames of floats, masked by their lengths); ``inputs.py`` holds the two input sides,
this module the hooks, written once for both. Text models also get a bag-of-n-grams
linear branch (``model.ngram_branch``, fastText) whose logits join the head's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import PAD_ID
from seqkeras.errors import DataError, SeqkerasError
from seqkeras.io.atomic import write_json
from seqkeras.layers.ngram_hash import NgramHash, nb_log_count_ratio
from seqkeras.layers.pooling import POOLINGS
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.spec.auto import require_resolved
from seqkeras.topologies.base import Topology, as_text
from seqkeras.topologies.many_to_one.auto_rules import NBSVM
from seqkeras.topologies.many_to_one.inputs import (side_for,
                                                    side_of_records, side_of_signature)
from seqkeras.topologies.many_to_one.baseline import classification_baseline, scored_ids
from seqkeras.topologies.many_to_one.deep_supervision import (DeeplySupervisedClassifier,
                                                              prediction)
from seqkeras.topologies.many_to_one.frame_baseline import frame_baseline
from seqkeras.topologies.many_to_one.metrics import classification_report
from seqkeras.topologies.many_to_one.ngram_prefit import bag_features, prefit
from seqkeras.topologies.many_to_one.plots import confusion_matrix
from seqkeras.measurements.serving import parse_predict_inputs as parse_measurement_files
from seqkeras.training.batching import batch_dataset, seeded_permutation
from seqkeras.training.epoch_metrics import ValidationMetrics
from seqkeras.training.optimizers import compile_model

LABELS_FILE = "labels.txt"
log = logging.getLogger("seqkeras")
__all__ = ["ClassifierPrep", "LABELS_FILE", "ManyToOne", "uses_sigmoid"]


@dataclass
class ClassifierPrep:
    """The tokenize stage's output, loaded: the input encoder (the in-graph TextEncoder,
    or the MeasurementPrep of numeric / audio inputs) and the labels in class-id order."""

    encoder: object
    labels: list[str]

    @property
    def label_index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}


def uses_sigmoid(spec, num_classes: int) -> bool:
    """Whether the head is one sigmoid unit (``model.head``: ``sigmoid``, or ``auto`` with
    two classes) rather than a softmax. Raises SeqkerasError for ``sigmoid`` with other
    than two classes."""
    head = spec.model.head
    if head == "sigmoid" and num_classes != 2:
        raise SeqkerasError(f"model.head 'sigmoid' needs two classes, the data has {num_classes}")
    return head == "sigmoid" or (head == "auto" and num_classes == 2)


class ManyToOne(Topology):
    """Classification: embedding (masked) or masked measurement frames -> recurrent stack
    -> dense head."""

    def ingest(self, spec, log):
        if spec.input.kind == "text":
            return super().ingest(spec, log)
        from seqkeras.ingest.measurements import read_measurements

        return read_measurements(spec, log)

    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        labels = sorted({r["label"] for r in train_records if "label" in r})
        if len(labels) < 2:
            raise DataError(f"the training split has {len(labels)} label(s); "
                             "classification needs at least two")
        summary = side_for(spec).fit(spec, train_records, out_dir)
        (out_dir / LABELS_FILE).write_text("".join(f"{x}\n" for x in labels), encoding="utf-8")
        summary["num_labels"] = len(labels)
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> ClassifierPrep:
        labels = (prep_dir / LABELS_FILE).read_text(encoding="utf-8").split("\n")[:-1]
        return ClassifierPrep(side_for(spec).load(spec, prep_dir), labels)

    def build_model(self, spec, prep: ClassifierPrep):
        m = spec.model
        sigmoid = uses_sigmoid(spec, len(prep.labels))
        keras.utils.set_random_seed(spec.seed)
        inputs, x = side_for(spec).model_input(spec, prep.encoder)
        x = recurrent_stack(x, m, return_sequences=m.pooling != "last")
        if m.pooling != "last":
            x = POOLINGS[m.pooling](f"{m.pooling}_pooling")(x)
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        units, activation = (1, "sigmoid") if sigmoid else (len(prep.labels), "softmax")
        name = "probability" if sigmoid else "probabilities"
        b = m.branch(spec.input.kind)
        model_name = f"{spec.name}_many_to_one"
        if b is None:
            out = keras.layers.Dense(units, activation=activation, name=name)(x)
            model = keras.Model(inputs, out, name=model_name)
        else:
            # the linear n-gram model's logits join the head's before the activation
            require_resolved(b, [k.partition(".")[2] for k in NBSVM], "model.ngram_branch")
            ngrams = b.order(spec.tokenize.level)
            log.info("build: n-gram branch over %s 1-%d-grams, %d hash buckets",
                     spec.tokenize.level, ngrams, b.buckets)
            bag = NgramHash(prep.encoder.vocab_size, ngrams=ngrams, buckets=b.buckets,
                            units=units, dropout=b.dropout, normalize=b.normalize,
                            scale=b.learning_rate_scale, seed=spec.seed,
                            binary=b.binary, nb_weighting=b.nb_weighting,
                            name="ngram_branch")(inputs)
            head = keras.layers.Dense(units, name="head_logits")(x)
            logits = keras.layers.Add(name="logits")([head, bag])
            out = keras.layers.Activation(activation, name=name)(logits)
            weights = [b.head_aux_loss_weight, b.aux_loss_weight]
            if any(weights):  # each branch also learns the labels alone
                model = DeeplySupervisedClassifier(inputs, [out, head, bag],
                                                   aux_loss_weights=weights,
                                                   sigmoid=sigmoid, name=model_name)
            else:
                model = keras.Model(inputs, out, name=model_name)
        if sigmoid:
            loss, acc = "binary_crossentropy", keras.metrics.BinaryAccuracy(name="accuracy")
        else:
            loss = "sparse_categorical_crossentropy"
            acc = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        return compile_model(model, spec.train, loss, [acc])

    def fit_fixed_weights(self, spec, prep: ClassifierPrep, model, train_records) -> dict:
        """The n-gram branch's naive-Bayes log-count ratios (``model.ngram_branch.
        nb_weighting``), counted over the training split's n-grams as the branch reads
        them (NgramHash.rows: the same hash, each n-gram once a text when ``binary``),
        then, with ``prefit``, its table fitted as a logistic regression and frozen
        (``ngram_prefit.py``)."""
        names = {layer.name for layer in model.layers}
        if "ngram_branch" not in names:
            return {}
        bag = model.get_layer("ngram_branch")
        b = spec.model.ngram_branch
        if not (bag.nb_weighting or b.prefit):
            return {}
        ds = self.make_dataset(spec, prep, train_records, training=False)
        done = {}
        if bag.nb_weighting:
            def batches():
                for x, y in ds:
                    rows, present = bag.rows(x)
                    labels = np.asarray(y).reshape(-1).astype(np.int64)
                    yield np.asarray(rows), np.asarray(present), labels
            ratio = nb_log_count_ratio(batches(), bag.num_rows, bag.units)
            bag.set_nb_ratio(ratio)
            done.update(nb_ratio_rows=int(ratio.shape[0]),
                        nb_ratio_max_abs=round(float(np.abs(ratio).max()), 3))
        if b.prefit:
            labels = np.concatenate([np.asarray(y).reshape(-1) for _, y in ds]).astype(np.int64)
            features = bag_features(bag, (x for x, _ in ds))
            intercepts, info = prefit(bag, features, labels, spec.seed)
            head = model.get_layer("head_logits")
            head.bias.assign(head.bias.numpy() + intercepts)
            bag.trainable = False   # the recurrent stack learns on top of the regression
            done.update(prefit_C=info["C"], prefit_holdout_accuracy=info["holdout_accuracy"])
        return done

    def targets(self, spec, prep: ClassifierPrep, records) -> np.ndarray:
        """Class ids (float ``[N, 1]`` for a sigmoid head) of labelled records."""
        index = prep.label_index
        y = np.array([index[r["label"]] for r in records], dtype=np.int64)
        if uses_sigmoid(spec, len(prep.labels)):
            return y.astype(np.float32)[:, None]
        return y

    def labelled(self, prep: ClassifierPrep, records) -> list[dict]:
        """Records whose label the training split knows (others cannot be scored)."""
        index = prep.label_index
        kept = [r for r in records if r.get("label") in index]
        if len(kept) < len(records):
            log.warning("%d record(s) with labels unseen in training were left out",
                        len(records) - len(kept))
        return kept

    def make_dataset(self, spec, prep: ClassifierPrep, records, training: bool):
        records = self.labelled(prep, records)
        if training:
            records = seeded_permutation(records, spec.seed)
        side = side_for(spec)
        x = side.examples(spec, prep.encoder, records, training)
        ds = tf.data.Dataset.zip(x, tf.data.Dataset.from_tensor_slices(
            self.targets(spec, prep, records)))
        return batch_dataset(ds, spec, training, side.max_length(spec), length=side.length)

    def probabilities(self, spec, prep, model, x):
        """Class probabilities ``[B, classes]`` of model inputs ``x`` (two columns for a
        sigmoid head)."""
        p = prediction(model(x, training=False))
        if uses_sigmoid(spec, len(prep.labels)):
            p = tf.concat([1.0 - p, p], axis=-1)
        return p

    def predict_probabilities(self, spec, prep: ClassifierPrep, model, records) -> np.ndarray:
        """Class probabilities float32 ``[N, classes]`` of ``records`` in their order
        (their labels are not read: records with a label unseen in training are answered
        too)."""
        placeholder = prep.labels[0]
        records = [dict(r, label=placeholder) for r in records]
        ds = self.make_dataset(spec, prep, records, training=False)
        # autograph off: plain Python branching only, and no dependence on source files
        predict = tf.function(lambda x: self.probabilities(spec, prep, model, x),
                              reduce_retracing=True, autograph=False)
        parts = [predict(x).numpy() for x, _ in ds]
        return np.concatenate(parts) if parts else np.zeros((0, len(prep.labels)), np.float32)

    def evaluate(self, spec, prep: ClassifierPrep, model, records, out_dir: Path) -> dict:
        """Accuracy, macro precision/recall/F1 and the loss on ``records``. A record whose
        label the training split never had is answered like any other and counts as an
        error (its class is in the report as ``[unseen in training]``); how many there
        were is ``unseen_label_records``. The loss is over the other records."""
        probs = self.predict_probabilities(spec, prep, model, records)
        y_true, names = scored_ids(prep.labels, records)
        seen = y_true < len(prep.labels)
        if not seen.all():
            log.warning("evaluate: %d record(s) have a label unseen in training; they count "
                        "as errors", int((~seen).sum()))
        picked = probs[np.flatnonzero(seen), y_true[seen]]
        loss = -np.mean(np.log(np.clip(picked, 1e-7, 1.0))) if seen.any() else float("nan")
        report = classification_report(y_true, probs.argmax(-1), names)
        write_json(out_dir / "classification_report.json", report)
        confusion_matrix(report["confusion_matrix"], names, out_dir / "confusion_matrix.png",
                         title=f"{spec.name}: confusion matrix (test)")
        return {"loss": float(loss), "accuracy": report["accuracy"],
                "macro_f1": report["macro_f1"], "macro_precision": report["macro_precision"],
                "macro_recall": report["macro_recall"],
                "unseen_label_records": int((~seen).sum())}

    def epoch_callbacks(self, spec, prep: ClassifierPrep, val_records) -> list:
        """``val_macro_f1`` after every epoch (Keras logs val_accuracy itself)."""
        val_records = self.labelled(prep, val_records)
        if not val_records:
            return []
        y_true = np.array([prep.label_index[r["label"]] for r in val_records])

        def compute(model):
            pred = self.predict_probabilities(spec, prep, model, val_records).argmax(-1)
            return {"macro_f1": classification_report(y_true, pred, prep.labels)["macro_f1"]}
        return [ValidationMetrics(compute, f"{len(val_records):,} val records")]

    def baseline(self, spec, prep: ClassifierPrep, train, val, test, out_dir: Path):
        """The majority class, and a logistic regression on TF-IDF n-grams (text,
        ``baseline.py``) or on summary statistics of the frames (numeric and audio,
        ``frame_baseline.py``)."""
        result = classification_baseline(spec, prep.labels, train, val, test)
        if spec.baseline.enabled and spec.input.kind != "text":
            result = frame_baseline(spec, prep.encoder, prep.labels, result, train, val, test)
        return result

    def serving_endpoints(self, spec, prep: ClassifierPrep, model) -> dict:
        labels = tf.constant(prep.labels)

        def answer(x):
            p = self.probabilities(spec, prep, model, x)
            best = tf.argmax(p, axis=-1)
            n = tf.shape(p)[0]
            # An input with no tokens (no frames) carries no evidence: label "" and
            # score 0 (README).
            empty = tf.equal(x["lengths"], 0) if isinstance(x, dict) else \
                tf.reduce_all(tf.equal(x, PAD_ID), axis=-1)
            return {"label": tf.where(empty, tf.constant(""), tf.gather(labels, best)),
                    "score": tf.where(empty, tf.zeros_like(p[:, 0]), tf.reduce_max(p, axis=-1)),
                    "probabilities": p,
                    "classes": tf.tile(labels[None, :], [n, 1])}

        return side_for(spec).serving(spec, prep.encoder, answer)

    def trackables(self, prep: ClassifierPrep) -> list:
        return side_of_encoder(prep.encoder).trackables(prep.encoder)

    def example_inputs(self, records, n: int) -> dict:
        return side_of_records(records).example_inputs(records, n)

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        if "text" in signature_inputs:
            return super().parse_predict_inputs(signature_inputs, args)
        self.names = list(args)
        return parse_measurement_files(signature_inputs, args)

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        side = side_of_signature(inputs)
        side.names = getattr(self, "names", None)
        return [f"{as_text(label):>12}  {float(score):.3f}  {what}"
                for what, label, score in zip(side.describe(inputs), outputs["label"],
                                              outputs["score"])]


def side_of_encoder(encoder):
    """The input side an encoder belongs to."""
    from seqkeras.measurements.prep import MeasurementPrep
    from seqkeras.topologies.many_to_one.inputs import MeasurementSide, TextSide

    return MeasurementSide() if isinstance(encoder, MeasurementPrep) else TextSide()
