"""The encoder's input: source text (tokens, embedded) or measurements (frames).

``TextSource`` is the original translation encoder input: raw strings tokenized in-graph
and embedded (layer and input names unchanged, so earlier exports and ``model.keras``
files still load). ``FrameSource`` reads ``input.kind`` numeric or audio: ``[T, F]``
sequences or WAV recordings encoded by ``seqkeras.measurements`` into masked frames, the
attention then looks at frames instead of words (speech to text with an attentional
decoder, Chan et al., "Listen, Attend and Spell", 2016, without the pyramid). Both give
the encoder stack a masked ``[B, S, D]`` tensor and the decoder a source mask.
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

SOURCE_DIR = "source"


class TextSource:
    """Source sentences: ``source_ids`` int64 ``[B, S]``, embedded with a padding mask."""

    def fit(self, spec, records, out_dir: Path) -> dict:
        """The source vocabulary from the training pairs."""
        return fit_vocabulary(spec.tokenize, (r["text"] for r in records), out_dir)

    def load(self, spec, prep_dir: Path):
        """The source TextEncoder."""
        return TextEncoder(spec.tokenize, Path(prep_dir) / VOCAB_FILE)

    def model_input(self, spec, encoder):
        """(inputs dict, embedded source [B, S, D] with its mask)."""
        m = spec.model
        source, x = embedded_ids("source_ids", encoder.vocab_size, m.embedding_dim,
                                 m.embedding_dropout, "source_embedding", "source_dropout")
        return {"source_ids": source}, x

    def examples(self, spec, encoder, records, training: bool) -> tf.data.Dataset:
        """Unbatched ``{"source_ids": [S]}`` (at least one id) of the records' texts."""
        return encode_texts(encoder, [r["text"] for r in records]).map(
            lambda src: {"source_ids": src})

    @staticmethod
    def length(x):
        """Source steps of an example."""
        return tf.shape(x["source_ids"])[0]

    def key(self, record: dict, i: int) -> str:
        """What identifies a source (equal texts are decoded once)."""
        return record["text"]

    def serving(self, encoder, translate) -> dict:
        """Raw strings (``source``) -> ``translate(source_ids, raw strings)``."""
        def serve(source):
            ids = encoder(source).to_tensor()
            ids = tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])
            return translate({"source_ids": ids}, source)
        return {"serving_default": (serve, [tf.TensorSpec([None], tf.string, name="source")])}

    def trackables(self, encoder) -> list:
        """The vocabulary table."""
        return [encoder.table]

    def example_inputs(self, records, n: int) -> dict:
        """Raw texts of the first ``n`` records."""
        texts = [r["text"] for r in records[:max(n, 1)]] or [""]
        return {"source": np.array(texts, dtype=object)}


class FrameSource(FrameSide):
    """Measurements: ``{"features": [B, T, F], "lengths": [B]}`` -> masked frames."""

    @staticmethod
    def picture_title(record: dict) -> str:
        """A pictured recording is titled by its target text."""
        return record["target"]

    @staticmethod
    def length(x):
        """Frames of an example."""
        return x[LENGTHS]

    def key(self, record: dict, i: int) -> str:
        """Every recording is its own source."""
        return record.get("name") or f"#{i}"

    def serving(self, prep, translate) -> dict:
        """WAV bytes / samples or raw sequences (``seqkeras.measurements.serving``)."""
        def answer(features, lengths):
            features = tf.pad(features, [[0, 0], [0, 1], [0, 0]])  # >= 1 frame; masked
            return translate({"features": features, LENGTHS: lengths}, None)
        return measurement_serving.serving_endpoints(prep, answer)

    def trackables(self, prep) -> list:
        """Nothing: the statistics are constants of the graph."""
        return []

    def example_inputs(self, records, n: int) -> dict:
        """WAV bytes or equally long sequences of the first records."""
        return measurement_serving.example_inputs(records, n)


def source_for(spec):
    """The source side of ``spec.input.kind``."""
    return TextSource() if spec.input.kind == "text" else FrameSource()


def source_of_records(records):
    """The source side these ingested records need."""
    return FrameSource() if records and ("sequence" in records[0] or "audio" in records[0]) \
        else TextSource()
