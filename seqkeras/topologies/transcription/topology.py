"""Transcription (speech recognition, Tx != Ty without a decoder), trained with CTC.

"An input audio source x is mapped to an output text y": a recording's frames (the
in-graph front-end's log-mel features, ``seqkeras.audio``) go through a stacked
(bi)directional recurrent encoder; a dense layer gives, at every (stacked) frame, logits
over the transcript units (characters or words, ``tokenize.level``) plus the CTC blank.
Training maximizes the CTC likelihood of the transcript (``ctc.py``): no alignment of
frames to characters is needed, and no decoder RNN. The test metrics and the export
decode in-graph (``decoder.py``: greedy or prefix beam search, ``decode.beam_size``) and
score word and character error rates with jiwer (``metrics.py``).

Data: recordings with transcripts from a manifest (``target_field``), or sequences
ingest composes from labelled single recordings (``data.compose``, ``compose.py``).

Serving: ``serving_default`` takes WAV bytes (``audio``, REST ``{"b64": ...}``),
``from_samples`` float samples and lengths (``seqkeras.measurements.serving``); both
answer ``transcript`` string ``[B]``, ``tokens`` ``[B, L]`` (units, "" past ``length``),
``length`` int32 ``[B]`` and ``log_probability`` float32 ``[B]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.errors import DataError
from seqkeras.io.atomic import write_json
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.measurements import serving as measurement_serving
from seqkeras.measurements.dataset import examples
from seqkeras.measurements.fit import fit_measurements
from seqkeras.measurements.model_inputs import LENGTHS, frame_inputs
from seqkeras.measurements.prep import MeasurementPrep, load_prep
from seqkeras.text.encoder import VOCAB_FILE, TextEncoder, fit_vocabulary
from seqkeras.text.tokenizers import get_tokenizer
from seqkeras.topologies.base import Topology, as_text
from seqkeras.topologies.transcription.ctc import (LOGIT_LENGTHS, LOGITS, CTCModel,
                                                  ctc_feasible, ctc_nll)
from seqkeras.topologies.transcription.decoder import ctc_decode
from seqkeras.topologies.transcription.metrics import error_rates
from seqkeras.tracking import log_to_active_run
from seqkeras.training.batching import batch_dataset, seeded_permutation
from seqkeras.training.optimizers import compile_model

log = logging.getLogger("seqkeras")
EXAMPLES_FILE = "transcripts.txt"
#: Sequences decoded per call while scoring.
DECODE_BATCH = 64


@dataclass
class TranscriptionPrep:
    """The tokenize stage's output, loaded: the measurement encoder (features) and the
    transcript encoder (units -> ids; the CTC blank is id ``vocab_size``)."""

    measurements: MeasurementPrep
    target: TextEncoder

    @property
    def classes(self) -> int:
        """Output classes: the units, then the blank."""
        return self.target.vocab_size + 1

    def join(self, tokens):
        """[B, L] unit strings ("" = none) -> [B] transcripts."""
        return get_tokenizer(self.target.config.level).join(tokens)


def _dense(ids):
    """A dataset element's ids as a dense ``[L]`` tensor."""
    return tf.reshape(ids, [-1])


def _transcribed(records: list[dict], what: str) -> list[dict]:
    kept = [r for r in records if r.get("target")]
    if not kept:
        raise DataError(f"topology transcription needs recordings with transcripts ({what} "
                        "has none): set data.compose or a manifest's target_field")
    return kept


class Transcription(Topology):
    """Recurrent encoder over frames -> per-frame logits -> CTC."""

    def ingest(self, spec, log):
        from seqkeras.topologies.transcription.ingest import read_transcription_records

        return read_transcription_records(spec, log)

    # ---------------------------------------------------------------- preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        records = _transcribed(train_records, "the training split")
        summary = {f"target_{k}": v for k, v in fit_vocabulary(
            spec.tokenize, (r["target"] for r in records), out_dir).items()}
        summary.update(fit_measurements(spec, records, out_dir,
                                        describe=lambda r: r["target"])[1])
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> TranscriptionPrep:
        return TranscriptionPrep(load_prep(spec.input, prep_dir),
                                 TextEncoder(spec.tokenize, Path(prep_dir) / VOCAB_FILE))

    # ------------------------------------------------------------------------ model
    def build_model(self, spec, prep: TranscriptionPrep):
        m = spec.model
        keras.utils.set_random_seed(spec.seed)
        inputs, x, steps = frame_inputs(prep.measurements.feature_size, m)
        x = recurrent_stack(x, m, return_sequences=True)
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        logits = keras.layers.Dense(prep.classes, name=LOGITS)(x)
        lengths = keras.layers.Identity(name=LOGIT_LENGTHS)(steps)
        model = CTCModel(inputs, {LOGITS: logits, LOGIT_LENGTHS: lengths},
                         name=f"{spec.name}_transcription")
        return compile_model(model, spec.train, None, [])

    # ------------------------------------------------------------------------- data
    def make_dataset(self, spec, prep: TranscriptionPrep, records, training: bool):
        records = _transcribed(records, "a split")
        if training:
            records = seeded_permutation(records, spec.seed)
        x = examples(prep.measurements, records, training)
        targets = tf.data.Dataset.from_tensor_slices(
            tf.constant([r["target"] for r in records], tf.string)).batch(1024)
        # rows of ragged ids -> dense [L] id vectors (0 never occurs: it pads batches)
        y = targets.map(prep.target).unbatch().map(_dense)
        ds = tf.data.Dataset.zip(x, y)
        config = spec.input
        frames = (int(config.max_seconds * 1000 / config.frame_step_ms) + 1
                  if config.kind == "audio" else config.max_length)
        return batch_dataset(ds, spec, training, frames, length=lambda x, y: x[LENGTHS])

    # --------------------------------------------------------------------- evaluate
    def transcriber(self, spec, prep: TranscriptionPrep, model, beam_size: int | None = None):
        """``(features [B, T, F], lengths [B]) -> outputs dict``, decoding in-graph."""
        beam = spec.decode.beam_size if beam_size is None else beam_size
        vocab = tf.constant(prep.target.vocab + [""])  # the blank never comes out

        def transcribe(features, lengths):
            # one padding frame keeps requests without frames valid; lengths mask it
            features = tf.pad(features, [[0, 0], [0, 1], [0, 0]])
            out = model({"features": features, "lengths": lengths}, training=False)
            ids, length, score = ctc_decode(out[LOGITS], out[LOGIT_LENGTHS], beam)
            tokens = tf.where(ids >= 0, tf.gather(vocab, tf.maximum(ids, 0)), "")
            return {"transcript": prep.join(tokens), "tokens": tokens, "length": length,
                    "log_probability": score}

        return transcribe

    def decode_all(self, spec, prep, model, records, beam_size: int) -> list[str]:
        """Transcripts of ``records`` (in order)."""
        fn = tf.function(self.transcriber(spec, prep, model, beam_size),
                         reduce_retracing=True, autograph=False)
        out = []
        for batch in examples(prep.measurements, records, False).padded_batch(DECODE_BATCH):
            result = fn(batch["features"], batch["lengths"])
            out += [t.decode("utf-8") for t in result["transcript"].numpy()]
        return out

    def evaluate(self, spec, prep: TranscriptionPrep, model, records, out_dir: Path) -> dict:
        records = _transcribed(records, "the evaluation split")
        loss, short = self.mean_nll(spec, prep, model, records)
        refs = [s.decode("utf-8") for s in
                prep.target.normalize(tf.constant([r["target"] for r in records])).numpy()]
        beam = spec.decode.beam_size
        hyps = self.decode_all(spec, prep, model, records, beam)
        metrics = {"loss": loss, "sequences": len(records), "beam_size": beam,
                   "too_short_for_ctc": short}
        metrics.update(error_rates(refs, hyps))
        if beam > 1:  # what the beam buys over greedy decoding, on the same model
            greedy = error_rates(refs, self.decode_all(spec, prep, model, records, 1))
            metrics.update(wer_greedy=greedy["wer"], cer_greedy=greedy["cer"])
        lines = [f"reference:  {r}\ntranscript: {h}\n" for r, h in list(zip(refs, hyps))[:300]]
        (Path(out_dir) / EXAMPLES_FILE).write_text("\n".join(lines), encoding="utf-8")
        log_to_active_run(Path(out_dir) / EXAMPLES_FILE, "train")
        log.info("evaluate: WER %.4f, CER %.4f, sentence accuracy %.4f on %d sequences "
                 "(beam %d)", metrics["wer"], metrics["cer"], metrics["sentence_accuracy"],
                 len(records), beam)
        return metrics

    def mean_nll(self, spec, prep, model, records) -> tuple[float, int]:
        """Mean CTC loss per sequence (nats) and the number of sequences whose frames
        were too few for their transcript (loss 0, never learnable)."""
        @tf.function(reduce_retracing=True)
        def step(x, y):
            out = model(x, training=False)
            return (ctc_nll(y, out[LOGITS], out[LOGIT_LENGTHS]),
                    ctc_feasible(y, out[LOGIT_LENGTHS]))

        total, count, short = 0.0, 0, 0
        for x, y in self.make_dataset(spec, prep, records, training=False):
            nll, feasible = (v.numpy() for v in step(x, y))
            total, count = total + float(nll.sum()), count + len(nll)
            short += int((~feasible).sum())
        return total / max(count, 1), short

    # ---------------------------------------------------------------------- serving
    def serving_endpoints(self, spec, prep: TranscriptionPrep, model) -> dict:
        return measurement_serving.serving_endpoints(prep.measurements,
                                                     self.transcriber(spec, prep, model))

    def trackables(self, prep: TranscriptionPrep) -> list:
        return [prep.target.table]

    def example_inputs(self, records, n: int) -> dict:
        return measurement_serving.example_inputs(records, n)

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        self.names = list(args)
        return measurement_serving.parse_predict_inputs(signature_inputs, args)

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        names = measurement_serving.describe(inputs, getattr(self, "names", None))
        return [f"{name}: {as_text(text)}  (log p {float(score):.2f})"
                for name, text, score in zip(names, outputs["transcript"],
                                             outputs["log_probability"])]


__all__ = ["Transcription", "TranscriptionPrep", "np"]
