"""The two kinds of input a classifier reads, each one object with the same methods.

``TextSide``: raw strings, tokenized in-graph by the ``TextEncoder`` and embedded (the
original many_to_one; its layer names, inputs and signatures are unchanged, so models
exported before still load). ``MeasurementSide``: ``[T, F]`` sequences or WAV
recordings, encoded by the shared measurement encoder (``seqkeras.measurements``) into
masked frames. ``side_for(spec)`` picks one by ``input.kind``; the topology's hooks are
written once against these methods.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from seqkeras.measurements import serving as measurement_serving
from seqkeras.measurements.model_inputs import LENGTHS
from seqkeras.measurements.side import FrameSide
from seqkeras.text.encoder import VOCAB_FILE, TextEncoder, fit_vocabulary
from seqkeras.text.ids import embedded_ids, encode_texts
from seqkeras.topologies.base import as_text
from seqkeras.training.batching import input_length


class TextSide:
    """Text input: ``token_ids`` int64 ``[B, T]`` -> embedding (masked)."""

    def fit(self, spec, records, out_dir: Path) -> dict:
        """Learn the vocabulary from the training texts; the tokenize summary."""
        return fit_vocabulary(spec.tokenize, (r["text"] for r in records), out_dir)

    def load(self, spec, prep_dir: Path):
        """The in-graph TextEncoder."""
        return TextEncoder(spec.tokenize, prep_dir / VOCAB_FILE)

    def model_input(self, spec, encoder):
        """(Keras input, embedded [B, T, D] with a padding mask)."""
        m = spec.model
        tokens, x = embedded_ids("token_ids", encoder.vocab_size, m.embedding_dim,
                                 m.embedding_dropout, "embedding", "embedding_dropout")
        return tokens, x

    def examples(self, spec, encoder, records, training: bool) -> tf.data.Dataset:
        """Unbatched id vectors of the records' texts (cached)."""
        return encode_texts(encoder, [r["text"] for r in records]).cache()

    def max_length(self, spec):
        """The longest input (length buckets)."""
        return spec.tokenize.max_length

    length = staticmethod(input_length)

    def serving(self, spec, encoder, answer) -> dict:
        """Raw strings (``text``) and pre-tokenized ids (``token_ids``)."""
        def answer_ids(ids):
            # One padding column keeps empty inputs valid; masking makes it a no-op.
            return answer(tf.pad(ids, [[0, 0], [0, 1]]))

        def serve_text(text):
            return answer_ids(encoder(text).to_tensor())

        vocab_size = encoder.vocab_size

        def serve_ids(token_ids):
            in_range = tf.reduce_all(tf.logical_and(token_ids >= 0, token_ids < vocab_size))
            check = tf.debugging.Assert(in_range, [
                f"input token_ids of signature from_token_ids must hold ids in [0, "
                f"{vocab_size}) (the vocabulary size); got ids from", tf.reduce_min(token_ids),
                "to", tf.reduce_max(token_ids)])
            with tf.control_dependencies([check]):
                return answer_ids(tf.identity(token_ids))

        return {
            "serving_default": (serve_text, [tf.TensorSpec([None], tf.string, name="text")]),
            "from_token_ids": (serve_ids,
                               [tf.TensorSpec([None, None], tf.int64, name="token_ids")]),
        }

    def trackables(self, encoder) -> list:
        """The vocabulary table."""
        return [encoder.table]

    def example_inputs(self, records, n: int) -> dict:
        """Raw texts of the first ``n`` records."""
        return {"text": np.array([r["text"] for r in records[:n]], dtype=object)}

    def describe(self, inputs: dict) -> list[str]:
        """The texts, shortened."""
        out = []
        for text in inputs["text"]:
            text = as_text(text)
            out.append(text if len(text) <= 70 else text[:67] + "...")
        return out


class MeasurementSide(FrameSide):
    """Numeric or audio input: ``{"features", "lengths"}`` -> masked frames."""

    def max_length(self, spec):
        """The most frames (length buckets)."""
        config = spec.input
        if config.kind == "audio":
            return int(config.max_seconds * 1000 / config.frame_step_ms) + 1
        return config.max_length

    @staticmethod
    def length(x, y):
        """Frames of an example (its ``lengths``)."""
        return x[LENGTHS]

    def serving(self, spec, prep, answer) -> dict:
        """WAV bytes / samples, or raw sequences (``seqkeras.measurements.serving``)."""
        def answer_frames(features, lengths):
            # one padding frame keeps inputs without frames valid; the lengths mask it
            features = tf.pad(features, [[0, 0], [0, 1], [0, 0]])
            return answer({"features": features, "lengths": lengths})

        return measurement_serving.serving_endpoints(prep, answer_frames)

    def trackables(self, prep) -> list:
        """Nothing: the statistics are constants of the graph."""
        return []

    def example_inputs(self, records, n: int) -> dict:
        """WAV bytes or equally long sequences of the first records."""
        return measurement_serving.example_inputs(records, n)

    def describe(self, inputs: dict) -> list[str]:
        """The file names ``predict`` read, or a count."""
        return measurement_serving.describe(inputs, getattr(self, "names", None))


def side_for(spec):
    """The side that reads ``spec.input.kind``."""
    return TextSide() if spec.input.kind == "text" else MeasurementSide()


def side_of_records(records) -> "TextSide | MeasurementSide":
    """The side that reads these (ingested) records."""
    return TextSide() if records and "text" in records[0] else MeasurementSide()


def side_of_signature(signature_inputs) -> "TextSide | MeasurementSide":
    """The side whose served signature has these inputs."""
    return TextSide() if "text" in signature_inputs else MeasurementSide()
