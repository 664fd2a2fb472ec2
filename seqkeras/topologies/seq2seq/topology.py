"""Encoder-decoder (Tx != Ty): translation, with or without attention.

Records are ``{text, target}`` pairs (``data.sources[].target_field``). Each side has its
own vocabulary learned from the training pairs; the target side is tokenized by
``target_tokenize`` (default: like ``tokenize``), ideally ``word_marked`` so generated
tokens join back into text exactly.

Model (the names the decoder looks layers up by are in quotes)::

    source ids -> "source_embedding" -> encoder stack ("encoder_*": model.layers layers,
                  bidirectional optional) -> "encoder_outputs" [B, S, D]
                                           -> final states -> "decoder_init_*"
    [START] + target -> "target_embedding" -> "decoder" RNN (units = D) from those states
                  -> ["attention" over encoder_outputs, concatenated] -> ["head_norm"]
                  -> "attention_output"
                  (tanh, Luong's attentional hidden state) -> "logits" [B, T, vocab]

Training is teacher-forced: the decoder reads the reference shifted right by [START] and
predicts it followed by [END]; padding is masked out of the loss on both sides.
The export runs the encoder once and the decoding loop in-graph
(``seqkeras.topologies.seq2seq.decoder``): raw source sentences in, translations out (plus the
attention weights and the tokens they refer to when the model attends).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.layers.attention import SourceAttention
from seqkeras.layers.sampled_softmax import SampledSoftmaxLogits
from seqkeras.constants import END_ID, START_ID
from seqkeras.errors import DataError
from seqkeras.io.atomic import write_json
from seqkeras.measurements import serving as measurement_serving
from seqkeras.measurements.dataset import examples
from seqkeras.topologies.seq2seq.decoder import Seq2SeqDecoder
from seqkeras.topologies.seq2seq.source import (FrameSource, TextSource, source_for,
                                                source_of_records)
from seqkeras.text.encoder import VOCAB_FILE, TextEncoder, fit_vocabulary
from seqkeras.text.tokenizers import get_tokenizer
from seqkeras.topologies.base import Topology, as_text
from seqkeras.baselines.caps import capped
from seqkeras.topologies.seq2seq.baseline import copy_baseline
from seqkeras.topologies.seq2seq.metrics import translation_scores
from seqkeras.topologies.seq2seq.plots import attention_heatmaps
from seqkeras.topologies.seq2seq.sampled_model import SampledSoftmaxModel
from seqkeras.layers.recurrent_stack import rnn_layer
from seqkeras.training.batching import batch_dataset, seeded_permutation
from seqkeras.training.epoch_metrics import ValidationMetrics, reuse
from seqkeras.training.likelihood import sequence_nll
from seqkeras.training.optimizers import compile_model
from seqkeras.tracking import log_to_active_run

log = logging.getLogger("seqkeras")
SOURCE_DIR, TARGET_DIR = "source", "target"
EXAMPLES_FILE = "translations.txt"
#: Sentences decoded per call while scoring the test split.
DECODE_BATCH = 256
#: Test sentences whose attention weights are drawn.
HEATMAPS = 4
#: Validation pairs translated (greedy) after every epoch for ``val_chrf``.
VAL_SAMPLE = 500


@dataclass
class Seq2SeqPrep:
    """The tokenize stage's output, loaded: one in-graph encoder per side."""

    source: TextEncoder
    target: TextEncoder

    def join(self, tokens):
        """[B, T] target token strings ("" = none) -> [B] texts."""
        return get_tokenizer(self.target.config.level).join(tokens)


def source_max_length(spec):
    """The longest source (length buckets): tokens, steps or audio frames."""
    config = spec.input
    if config.kind == "audio":
        return int(config.max_seconds * 1000 / config.frame_step_ms) + 1
    return spec.tokenize.max_length if config.kind == "text" else config.max_length


def target_config(spec):
    """The target side's tokenize section: ``target_tokenize``, else ``tokenize``."""
    return spec.target_tokenize or spec.tokenize


class Seq2Seq(Topology):
    """Recurrent encoder -> recurrent decoder with optional attention."""

    def ingest(self, spec, log):
        if spec.input.kind == "text":
            return super().ingest(spec, log)
        from seqkeras.ingest.measurements import read_measurements

        return read_measurements(spec, log)

    # ---------------------------------------------------------------- preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        pairs = [r for r in train_records if "target" in r]
        if not pairs:
            raise DataError("topology 'seq2seq' needs source/target pairs, but the training "
                            "records have no target (set target_field on the data source)")
        summary = {"train_pairs": len(pairs)}
        for side, fit in ((SOURCE_DIR, lambda d: source_for(spec).fit(spec, pairs, d)),
                          (TARGET_DIR, lambda d: fit_vocabulary(
                              target_config(spec), (r["target"] for r in pairs), d))):
            (out_dir / side).mkdir(parents=True, exist_ok=True)
            summary.update({f"{side}_{k}": v for k, v in fit(out_dir / side).items()})
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> Seq2SeqPrep:
        return Seq2SeqPrep(source_for(spec).load(spec, prep_dir / SOURCE_DIR),
                           TextEncoder(target_config(spec), prep_dir / TARGET_DIR / VOCAB_FILE))

    # ------------------------------------------------------------------------ model
    def build_model(self, spec, prep: Seq2SeqPrep):
        m = spec.model
        keras.utils.set_random_seed(spec.seed)
        inputs, x = source_for(spec).model_input(spec, prep.source)
        target = keras.Input(shape=(None,), dtype="int64", name="target_in_ids")
        for i in range(m.layers):
            last = i == m.layers - 1
            layer = rnn_layer(m, m.units, f"encoder_{m.cell}_{i}", return_sequences=True,
                              return_state=last)
            if m.bidirectional:
                layer = keras.layers.Bidirectional(layer, name=f"encoder_bi_{i}")
            out = layer(x)
            x = out[0] if last else out
        encoded = keras.layers.Identity(name="encoder_outputs")(x)
        states = out[1:]
        per_direction = len(states) // (2 if m.bidirectional else 1)
        init = []
        for j in range(per_direction):
            if m.bidirectional:  # forward and backward final states side by side
                init.append(keras.layers.Concatenate(name=f"decoder_init_{j}")(
                    [states[j], states[per_direction + j]]))
            else:
                init.append(keras.layers.Identity(name=f"decoder_init_{j}")(states[j]))

        units = m.units * (2 if m.bidirectional else 1)
        y = keras.layers.Embedding(prep.target.vocab_size, m.embedding_dim, mask_zero=True,
                                   name="target_embedding")(target)
        if m.embedding_dropout:
            y = keras.layers.Dropout(m.embedding_dropout, name="target_dropout")(y)
        decoded = rnn_layer(m, units, "decoder", return_sequences=True)(y, initial_state=init)
        hidden = decoded
        if m.attention != "none":
            context = SourceAttention(units, m.attention, name="attention")([decoded, encoded])
            hidden = keras.layers.Concatenate(name="with_context")([decoded, context])
        if m.head_layer_norm:
            hidden = keras.layers.LayerNormalization(name="head_norm")(hidden)
        # head_units < units makes the vocabulary-sized output layer (most of the FLOPs) cheaper
        hidden = keras.layers.Dense(m.head_units or units, activation="tanh",
                                    name="attention_output")(hidden)
        if m.head_dropout:
            hidden = keras.layers.Dropout(m.head_dropout, name="head_dropout")(hidden)
        logits = SampledSoftmaxLogits(prep.target.vocab_size, num_sampled=m.sampled_softmax,
                                      name="logits")(hidden)
        model = SampledSoftmaxModel({**inputs, "target_in_ids": target}, logits,
                                    name=f"{spec.name}_seq2seq")
        if m.sampled_softmax and not model.samples:
            log.warning("model.sampled_softmax %d is not below the %d-word target vocabulary "
                        "less one: training uses the full softmax", m.sampled_softmax,
                        prep.target.vocab_size)
        # The target mask on the logits makes Keras average the loss over real tokens.
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return compile_model(model, spec.train, loss, None)

    # ------------------------------------------------------------------------- data
    def make_dataset(self, spec, prep: Seq2SeqPrep, records, training: bool):
        if training:
            records = seeded_permutation(records, spec.seed)
        side = source_for(spec)
        targets = tf.data.Dataset.from_tensor_slices(
            tf.constant([r["target"] for r in records], tf.string)).batch(1024)
        targets = targets.map(prep.target).unbatch().map(lambda t: tf.reshape(t, [-1]))

        def shift(src, tgt):
            inputs = {**src,
                      "target_in_ids": tf.concat([[tf.constant(START_ID, tf.int64)], tgt], 0)}
            return inputs, tf.concat([tgt, [tf.constant(END_ID, tf.int64)]], 0)

        ds = tf.data.Dataset.zip(side.examples(spec, prep.source, records, training),
                                 targets).map(shift)
        if spec.input.kind == "text":  # measurement examples cache themselves unless augmented
            ds = ds.cache()
        return batch_dataset(ds, spec, training, source_max_length(spec),
                             length=lambda x, y: tf.maximum(side.length(x), tf.shape(y)[0]))

    # --------------------------------------------------------------------- evaluate
    def nll(self, spec, prep, model, records) -> tuple[float, int]:
        """Summed teacher-forced negative log-likelihood (nats) of the references
        (tokens + [END]) and their number."""
        return sequence_nll(model, self.make_dataset(spec, prep, records, training=False))

    def translate_all(self, spec, prep, model, records: list[dict], beam_size: int,
                      cache: dict | None = None) -> dict:
        """Decode every distinct source once (longest first, batched) -> source key ->
        outputs (keys: ``FrameSource.key`` / the text). ``cache``: a dict the caller
        keeps between calls (the per-epoch val chrF) so the traced decoder is reused
        (``epoch_metrics.reuse``)."""
        if spec.input.kind != "text":
            return self.translate_frames(spec, prep, model, records, beam_size, cache)
        sources = [r["text"] for r in records]
        fn = reuse(cache, model, lambda: tf.function(
            self.translator(spec, prep, model, beam_size),
            input_signature=[tf.TensorSpec([None], tf.string)], autograph=False))
        distinct = sorted(set(sources), key=lambda s: (-len(s), s))
        out = {}
        for i in range(0, len(distinct), DECODE_BATCH):
            chunk = distinct[i:i + DECODE_BATCH]
            result = {k: v.numpy() for k, v in fn(tf.constant(chunk, tf.string)).items()}
            for j, src in enumerate(chunk):
                out[src] = {k: v[j] for k, v in result.items()}
            if i // DECODE_BATCH % 10 == 9:
                log.info("evaluate: %d/%d sentences decoded", i + len(chunk), len(distinct))
        return out

    def evaluate(self, spec, prep: Seq2SeqPrep, model, records, out_dir: Path) -> dict:
        import sacrebleu

        total, count = self.nll(spec, prep, model, records)
        nll = total / max(count, 1)
        side = source_for(spec)
        sources = [side.key(r, i) for i, r in enumerate(records)]
        refs = self.references(prep, records)
        beam = spec.generate.beam_size
        decoded = self.translate_all(spec, prep, model, records, beam)
        hyps = [decoded[s]["translation"].decode("utf-8") for s in sources]
        metrics = {"loss": nll, "nll_per_token": nll, "perplexity": float(np.exp(nll)),
                   "pairs": len(records), "beam_size": beam}
        metrics.update(translation_scores(sources, hyps, refs, sacrebleu))
        if beam > 1:  # what the beam buys over greedy decoding, on the same model
            greedy = self.translate_all(spec, prep, model, records, 1)
            g_hyps = [greedy[s]["translation"].decode("utf-8") for s in sources]
            metrics["bleu_greedy"] = float(sacrebleu.corpus_bleu(g_hyps, [refs]).score)
        self.write_examples(sources, hyps, refs, out_dir / EXAMPLES_FILE)
        log_to_active_run(out_dir / EXAMPLES_FILE, "train")
        if spec.model.attention != "none" and spec.input.kind == "text":
            picked = list(dict.fromkeys(sources))[:HEATMAPS]
            attention_heatmaps([(s, decoded[s]) for s in picked], out_dir / "attention.png")
        log.info("evaluate: BLEU %.2f, chrF %.2f, exact match %.3f on %d pairs (beam %d)",
                 metrics["bleu"], metrics["chrf"], metrics["exact_match"], len(records), beam)
        return metrics

    def references(self, prep: Seq2SeqPrep, records) -> list[str]:
        """The records' targets normalized as the model's outputs are (NFKC ...)."""
        if not records:
            return []
        return [s.decode("utf-8") for s in
                prep.target.normalize(tf.constant([r["target"] for r in records])).numpy()]

    def epoch_callbacks(self, spec, prep: Seq2SeqPrep, val_records) -> list:
        """``val_chrf``: chrF of greedy translations of up to ``VAL_SAMPLE`` val pairs
        (a seeded sample) after every epoch."""
        import sacrebleu

        sample = capped([r for r in val_records if "target" in r], VAL_SAMPLE, spec.seed)
        if not sample:
            return []
        side, refs = source_for(spec), self.references(prep, sample)
        sources, cache = [side.key(r, i) for i, r in enumerate(sample)], {}

        def compute(model):
            decoded = self.translate_all(spec, prep, model, sample, 1, cache)
            hyps = [decoded[s]["translation"].decode("utf-8") for s in sources]
            return {"chrf": float(sacrebleu.corpus_chrf(hyps, [refs]).score)}
        return [ValidationMetrics(compute, f"greedy, {len(sample):,} val pairs")]

    def baseline(self, spec, prep: Seq2SeqPrep, train, val, test, out_dir: Path):
        """Copying the source (``baseline.py``); none for measurement sources."""
        if spec.input.kind != "text":
            return None
        return copy_baseline([r["text"] for r in test], self.references(prep, test))

    @staticmethod
    def write_examples(sources, hyps, refs, path: Path, n: int = 200) -> None:
        lines = [f"source:      {s}\ntranslation: {h}\nreference:   {r}\n"
                 for s, h, r in list(zip(sources, hyps, refs))[:n]]
        path.write_text("\n".join(lines), encoding="utf-8")

    # ---------------------------------------------------------------------- serving
    def translator(self, spec, prep: Seq2SeqPrep, model, beam_size: int | None = None):
        """Raw source strings [B] -> dict of outputs, the whole decoding loop in-graph."""
        decode = self.decoding(spec, prep, model, beam_size)

        def translate(source):
            ids = prep.source(source).to_tensor()
            ids = tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])  # width >= 1
            return decode({"source_ids": ids}, source)

        return translate

    def translate_frames(self, spec, prep, model, records, beam_size: int,
                         cache: dict | None = None) -> dict:
        """Decode measurement records in order (batched) -> ``FrameSource.key`` -> outputs."""
        def build():
            decode = self.decoding(spec, prep, model, beam_size)
            return tf.function(
                lambda f, n: decode({"features": tf.pad(f, [[0, 0], [0, 1], [0, 0]]),
                                     "lengths": n}, None),
                reduce_retracing=True, autograph=False)
        fn = reuse(cache, model, build)
        side, out, i = source_for(spec), {}, 0
        for batch in examples(prep.source, records, False).padded_batch(DECODE_BATCH):
            result = {k: v.numpy() for k, v in fn(batch["features"], batch["lengths"]).items()}
            for j in range(len(result["length"])):
                out[side.key(records[i], i)] = {k: v[j] for k, v in result.items()}
                i += 1
        return out

    def decoding(self, spec, prep: Seq2SeqPrep, model, beam_size: int | None = None):
        """``(source inputs dict, raw strings or None) -> outputs``: the decoding loop over
        an encoded source (``{"source_ids"}`` or ``{"features", "lengths"}``)."""
        decoder = Seq2SeqDecoder(model)
        beam = spec.generate.beam_size if beam_size is None else beam_size
        max_length = spec.generate.max_length
        alpha = spec.generate.length_penalty
        target_vocab = tf.constant(prep.target.vocab)
        attends = spec.model.attention != "none"

        def decode(inputs, source):
            ids = inputs.get("source_ids", inputs)
            if beam > 1:
                out, lengths, attention = decoder.beam_search(ids, max_length, beam, alpha)
            else:
                out, lengths, attention = decoder.greedy(ids, max_length)
            keep = tf.sequence_mask(lengths, tf.shape(out)[1])
            tokens = tf.where(keep, tf.gather(target_vocab, out), tf.constant("", tf.string))
            result = {"translation": prep.join(tokens), "tokens": tokens, "length": lengths}
            if attends and source is not None:
                words = prep.source.tokenize(source).to_tensor("")
                words = tf.pad(words, [[0, 0], [0, tf.shape(ids)[1] - tf.shape(words)[1]]])
                result["source_tokens"] = words
            if attends:
                result["attention"] = attention * tf.cast(keep, tf.float32)[:, :, None]
            return result

        return decode

    def serving_endpoints(self, spec, prep: Seq2SeqPrep, model) -> dict:
        if spec.input.kind == "text":
            return {"serving_default": (self.translator(spec, prep, model),
                                        [tf.TensorSpec([None], tf.string, name="source")])}
        return FrameSource().serving(prep.source, self.decoding(spec, prep, model))

    def trackables(self, prep: Seq2SeqPrep) -> list:
        side = TextSource() if isinstance(prep.source, TextEncoder) else FrameSource()
        return side.trackables(prep.source) + [prep.target.table]

    def example_inputs(self, records, n: int) -> dict:
        return source_of_records(records).example_inputs(records, n)

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        if "source" in signature_inputs:
            return super().parse_predict_inputs(signature_inputs, args)
        self.names = list(args)
        return measurement_serving.parse_predict_inputs(signature_inputs, args)

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        sources = inputs["source"] if "source" in inputs else measurement_serving.describe(
            inputs, getattr(self, "names", None))
        return [f"{as_text(src)}\n  -> {as_text(out)}"
                for src, out in zip(sources, outputs["translation"])]
