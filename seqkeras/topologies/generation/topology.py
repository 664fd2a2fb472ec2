"""One-to-many: a character (or word) language model that generates sequences.

Training is next-step prediction with teacher forcing: the input is [START] + tokens,
the target the same tokens shifted by one + [END]. Padding is masked (``mask_zero`` on
the embedding, propagated through the recurrent stack to the logits), so the loss is
the mean over real steps only.

Optional conditioning (``model.condition_dim > 0``): the record's label (the source's
``label_field``) is embedded and concatenated to the token embedding at every step;
the served signature then takes a ``condition`` string (unknown values map to a
reserved "no condition" id 0).

The export runs the whole sampling loop in-graph (``seqkeras.decoding.step_decoder.StepDecoder``):
``serving_default`` takes prefix / temperature / max_length / seed (+ condition) and
returns the generated strings. Sampling is stateless, seeded per row and position, so a
fixed seed always gives the same string (parity-checkable through TF's C++ loader).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import END_ID, START_ID
from seqkeras.decoding.step_decoder import StepDecoder, python_decode
from seqkeras.errors import DataError, SeqkerasError
from seqkeras.io.atomic import write_json
from seqkeras.text.encoder import VOCAB_FILE, TextEncoder, fit_vocabulary
from seqkeras.topologies.base import Topology, as_text
from seqkeras.topologies.generation.baseline import ngram_baseline
from seqkeras.topologies.generation.spec import PREDICT_DEFAULTS
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.training.batching import batch_dataset, seeded_permutation, target_length
from seqkeras.training.likelihood import sequence_nll
from seqkeras.training.optimizers import compile_model
from seqkeras.tracking import log_to_active_run

#: ``seqkeras predict`` key=value options of a generator (the rest are prefixes).
PREDICT_OPTIONS = ("temperature", "max_length", "seed", "condition")

LABELS_FILE = "labels.txt"
SAMPLES_FILE = "samples.txt"
log = logging.getLogger("seqkeras")



@dataclass
class GenerationPrep:
    """The tokenize stage's output, loaded: the in-graph text encoder and the condition
    values (labels) when the model is conditioned."""

    encoder: TextEncoder
    #: Condition values (index + 1 is the condition id; 0 = none / unknown).
    labels: list[str]

    def condition_ids(self, values) -> np.ndarray:
        """Condition ids, int64 ``[len(values)]``: label index + 1, 0 for unknown or None."""
        index = {v: i + 1 for i, v in enumerate(self.labels)}
        return np.array([index.get(v, 0) for v in values], dtype=np.int64)




def conditioned(spec) -> bool:
    """Whether the model is conditioned on the records' label (``model.condition_dim > 0``)."""
    return spec.model.condition_dim > 0


class Generation(Topology):
    """Embedding (masked) -> unidirectional recurrent stack (sequences) -> Dense(vocab)."""

    conditioned = False

    # ---------------------------------------------------------------- preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        summary = fit_vocabulary(spec.tokenize, (r["text"] for r in train_records), out_dir)
        labels = sorted({r["label"] for r in train_records if "label" in r})
        if conditioned(spec) and not labels:
            raise DataError("model.condition_dim > 0 conditions on the records' label, but "
                            "the training records have none (set label_field on the source)")
        (out_dir / LABELS_FILE).write_text("".join(f"{x}\n" for x in labels), encoding="utf-8")
        summary["num_labels"] = len(labels)
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> GenerationPrep:
        labels_path = prep_dir / LABELS_FILE
        labels = labels_path.read_text(encoding="utf-8").split("\n")[:-1] \
            if labels_path.exists() else []
        self.conditioned = conditioned(spec)
        self.generate_spec = spec.generate
        return GenerationPrep(TextEncoder(spec.tokenize, prep_dir / VOCAB_FILE),
                              labels if conditioned(spec) else [])

    # ------------------------------------------------------------------------ model
    def build_model(self, spec, prep: GenerationPrep):
        m = spec.model
        keras.utils.set_random_seed(spec.seed)
        tokens = keras.Input(shape=(None,), dtype="int64", name="token_ids")
        inputs = [tokens]
        x = keras.layers.Embedding(prep.encoder.vocab_size, m.embedding_dim, mask_zero=True,
                                   name="embedding")(tokens)
        if conditioned(spec):
            cond = keras.Input(shape=(None,), dtype="int64", name="condition_ids")
            inputs.append(cond)
            c = keras.layers.Embedding(len(prep.labels) + 1, m.condition_dim,
                                       name="condition_embedding")(cond)
            x = keras.layers.Concatenate(name="with_condition")([x, c])
        if m.embedding_dropout:
            x = keras.layers.Dropout(m.embedding_dropout, name="embedding_dropout")(x)
        x = recurrent_stack(x, m, return_sequences=True)
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        logits = keras.layers.Dense(prep.encoder.vocab_size, name="logits")(x)
        model = keras.Model(inputs if len(inputs) > 1 else tokens, logits,
                            name=f"{spec.name}_generation")
        # The mask on the logits makes Keras average the loss over real steps only.
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return compile_model(model, spec.train, loss, [])

    # ------------------------------------------------------------------------- data
    def encode(self, prep: GenerationPrep, texts: list[str]) -> list[np.ndarray]:
        ids = prep.encoder(tf.constant(texts, tf.string)) if texts else None
        return [] if ids is None else [np.asarray(r, np.int64) for r in ids.numpy()]

    def make_dataset(self, spec, prep: GenerationPrep, records, training: bool):
        if training:
            records = seeded_permutation(records, spec.seed)
        texts = [r["text"] for r in records]
        cond = prep.condition_ids([r.get("label") for r in records]) if conditioned(spec) \
            else None
        ds = tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string))
        ds = ds.batch(1024).map(prep.encoder).unbatch()
        if cond is not None:
            ds = tf.data.Dataset.zip(ds, tf.data.Dataset.from_tensor_slices(cond))
        else:
            ds = ds.map(lambda ids: (ids, tf.constant(0, tf.int64)))

        def shift(ids, c):
            x = tf.concat([[tf.constant(START_ID, tf.int64)], ids], 0)
            y = tf.concat([ids, [tf.constant(END_ID, tf.int64)]], 0)
            if cond is None:
                return x, y
            return (x, tf.fill(tf.shape(x), c)), y

        return batch_dataset(ds.map(shift).cache(), spec, training, spec.tokenize.max_length,
                             length=target_length)

    # --------------------------------------------------------------------- evaluate
    def nll(self, spec, prep, model, records) -> tuple[float, int]:
        """Summed negative log-likelihood (nats) over every real target (chars + [END])
        and the number of targets."""
        return sequence_nll(model, self.make_dataset(spec, prep, records, training=False))

    def evaluate(self, spec, prep: GenerationPrep, model, records, out_dir: Path) -> dict:
        total, count = self.nll(spec, prep, model, records)
        nll = total / max(count, 1)
        g = spec.generate
        n = g.samples
        inputs = {"prefix": np.array([""] * n, dtype=object),
                  "temperature": np.full(n, g.temperature, np.float32),
                  "max_length": np.full(n, g.max_length, np.int32),
                  "seed": np.arange(spec.seed, spec.seed + n, dtype=np.int64)}
        if conditioned(spec):
            inputs["condition"] = np.array([prep.labels[i % len(prep.labels)]
                                            for i in range(n)], dtype=object)
        fn = self.serving_endpoints(spec, prep, model)["serving_default"][0]
        out = fn(**{k: tf.constant(v) for k, v in inputs.items()})
        samples = [s.decode("utf-8") for s in out["text"].numpy()]
        # the train stage writes into a temporary folder beside data/<pipeline>/ingest
        train_path = out_dir.parent / "ingest" / "train.jsonl"
        known = self.training_texts(spec, prep, train_path)
        novel = sum(1 for s in samples if s not in known) / len(samples) \
            if known is not None else float("nan")
        lines = [f"{c}\t{s}" for c, s in zip(inputs["condition"], samples)] \
            if "condition" in inputs else samples
        (out_dir / SAMPLES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        write_json(out_dir / "samples.json", {
            "temperature": g.temperature, "top_k": g.top_k, "max_length": g.max_length,
            "seeds": inputs["seed"].tolist(), "samples": samples, "novel_share": novel})
        self._log_artifact(out_dir / SAMPLES_FILE)
        log.info("generation: %d samples (%.0f%% novel): %s", n, 100 * novel,
                 ", ".join(samples[:10]))
        return {"loss": nll, "nll_per_char": nll, "perplexity": float(np.exp(nll)),
                "novel_share": novel, "targets": count}

    def baseline(self, spec, prep: GenerationPrep, train, val, test, out_dir: Path):
        """An n-gram model over the same token ids (``baseline.py``)."""
        def encode(texts):
            return self.encode(prep, texts)
        return ngram_baseline(spec, encode, prep.encoder.vocab_size, train, val, test)

    def training_texts(self, spec, prep, train_path: Path) -> set:
        """Training texts as the model writes them (normalized: case-folded etc.)."""
        if not train_path.exists():
            log.warning("generation: %s not found; novelty not measured", train_path)
            return None
        from seqkeras.io.atomic import read_jsonl

        texts = [r["text"] for r in read_jsonl(train_path)]
        out = set()
        for i in range(0, len(texts), 4096):
            norm = prep.encoder.normalize(tf.constant(texts[i:i + 4096], tf.string))
            out.update(s.decode("utf-8") for s in norm.numpy())
        return out

    @staticmethod
    def _log_artifact(path: Path) -> None:
        log_to_active_run(path, "train")

    # ---------------------------------------------------------------------- serving
    def decoder(self, spec, prep, model) -> StepDecoder:
        return StepDecoder(model, prep.encoder.vocab, top_k=spec.generate.top_k)

    def serving_endpoints(self, spec, prep: GenerationPrep, model) -> dict:
        decoder = self.decoder(spec, prep, model)
        labels = tf.constant(prep.labels or [""])
        has_condition = conditioned(spec)

        def run(prefix, temperature, max_length, seed, condition=None):
            ids = prep.encoder(prefix)
            batch = tf.shape(prefix)[0]
            start = tf.fill([batch, 1], tf.constant(START_ID, tf.int64))
            inputs = tf.concat([start, ids.to_tensor()], axis=1)
            in_lengths = tf.cast(ids.row_lengths(), tf.int32) + 1
            cond_ids = None
            if condition is not None:
                eq = tf.equal(condition[:, None], labels[None, :])
                cond_ids = tf.where(tf.reduce_any(eq, axis=1),
                                    tf.argmax(tf.cast(eq, tf.int32), axis=1) + 1,
                                    tf.zeros([batch], tf.int64))
            out, lengths = decoder.generate(inputs, in_lengths, temperature, max_length,
                                            seed, cond_ids)
            continuation = decoder.to_strings(out)
            prefix_text = prep.encoder.normalize(prefix)
            return {"text": tf.strings.join([prefix_text, continuation]),
                    "continuation": continuation, "length": lengths}

        signature = [tf.TensorSpec([None], tf.string, name="prefix"),
                     tf.TensorSpec([None], tf.float32, name="temperature"),
                     tf.TensorSpec([None], tf.int32, name="max_length"),
                     tf.TensorSpec([None], tf.int64, name="seed")]
        if has_condition:
            signature.append(tf.TensorSpec([None], tf.string, name="condition"))
            return {"serving_default": (run, signature)}

        def serve(prefix, temperature, max_length, seed):
            return run(prefix, temperature, max_length, seed)

        return {"serving_default": (serve, signature)}

    def reference_decode(self, spec, prep: GenerationPrep, model, inputs: dict) -> list[str]:
        """The Python per-step decoder on serving-style inputs -> full texts."""
        ids = self.encode(prep, list(inputs["prefix"]))
        rows = [[START_ID] + r.tolist() for r in ids]
        cond = prep.condition_ids(list(inputs["condition"])) if "condition" in inputs else None
        cont = python_decode(model, prep.encoder.vocab, rows, inputs["temperature"],
                             inputs["max_length"], inputs["seed"], cond, spec.generate.top_k)
        norm = prep.encoder.normalize(tf.constant(list(inputs["prefix"]), tf.string)).numpy()
        return [p.decode("utf-8") + c for p, c in zip(norm, cont)]

    def trackables(self, prep: GenerationPrep) -> list:
        return [prep.encoder.table]

    def example_inputs(self, records, n: int) -> dict:
        n = max(n, 1)
        texts = [r["text"] for r in records[:n]] or [""] * n
        texts += [""] * (n - len(texts))
        prefix = [t[:i % 3] for i, t in enumerate(texts)]  # "", 1 and 2 leading characters
        g = getattr(self, "generate_spec", None)
        temperature = g.temperature if g is not None else PREDICT_DEFAULTS["temperature"]
        max_length = g.max_length if g is not None else PREDICT_DEFAULTS["max_length"]
        out = {"prefix": np.array(prefix, dtype=object),
               # every fourth request greedy, the others sampled
               "temperature": np.array([0.0 if i % 4 == 3 else temperature
                                        for i in range(n)], np.float32),
               "max_length": np.full(n, max_length, np.int32),
               "seed": np.arange(n, dtype=np.int64)}
        if self.conditioned:
            out["condition"] = np.array([str(r.get("label", "")) for r in records[:n]]
                                        + [""] * (n - len(records[:n])), dtype=object)
        return out

    def export_metadata(self, spec, prep: GenerationPrep) -> dict:
        """The YAML's ``generate.temperature`` and ``generate.max_length``: what
        ``seqkeras predict`` uses when its arguments do not say."""
        return {key: getattr(spec.generate, key) for key in PREDICT_DEFAULTS}

    def use_export_metadata(self, metadata: dict) -> None:
        self._predict_defaults = {**PREDICT_DEFAULTS,
                                  **{k: v for k, v in metadata.items() if k in PREDICT_DEFAULTS}}

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        """Prefixes, plus optional ``temperature=``, ``max_length=``, ``seed=`` (first
        seed; the next prefixes get seed+1, ...) and ``condition=`` arguments; temperature
        and max_length default to the exported pipeline's ``generate`` section."""
        options, prefixes = {}, []
        for a in args:
            key, eq, value = a.partition("=")
            if eq and key in PREDICT_OPTIONS:
                options[key] = value
            elif eq and re.fullmatch(r"[A-Za-z_]+", key):  # a misspelt option, not a prefix
                raise SeqkerasError(f"predict: unknown option {key!r} in {a!r}; generation "
                                    f"takes prefixes and {', '.join(PREDICT_OPTIONS)} "
                                    "(key=value)")
            else:
                prefixes.append(a)
        prefixes = prefixes or [""]
        n = len(prefixes)

        def number(key, kind):
            defaults = getattr(self, "_predict_defaults", PREDICT_DEFAULTS)
            raw = options.get(key, defaults.get(key, 0))
            try:
                return kind(raw)
            except ValueError:
                raise SeqkerasError(f"predict: {key}={raw!r} is not "
                                    f"{'a number' if kind is float else 'a whole number'}"
                                    ) from None

        seed0 = number("seed", int)
        out = {"prefix": np.array(prefixes, dtype=object),
               "temperature": np.full(n, number("temperature", float), np.float32),
               "max_length": np.full(n, number("max_length", int), np.int32),
               "seed": np.arange(seed0, seed0 + n, dtype=np.int64)}
        if "condition" in signature_inputs:
            out["condition"] = np.array([options.get("condition", "")] * n, dtype=object)
        return {k: out[k] for k in signature_inputs}

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        return [f"{as_text(prefix)!r:>12}  ->  {as_text(text)}"
                for prefix, text in zip(inputs["prefix"], outputs["text"])]
