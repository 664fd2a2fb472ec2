"""The measurement input side shared by every topology that reads ``[T, F]`` frames.

A topology reads its input through a *side* object (fit statistics, load them, build the
Keras inputs, make tf.data examples). For numeric and audio inputs these four steps are
the same whatever the topology (classifier, seq2seq encoder): they live here once, and a
topology subclasses ``FrameSide`` only for what differs (how a pictured record is titled,
the longest input, serving)."""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from seqkeras.measurements.dataset import examples
from seqkeras.measurements.fit import fit_measurements
from seqkeras.measurements.model_inputs import frame_inputs
from seqkeras.measurements.prep import load_prep


class FrameSide:
    """Numeric or audio input: ``{"features": float32 [B, T, F], "lengths": int32 [B]}``
    -> masked frames ``[B, T', D]``."""

    @staticmethod
    def picture_title(record: dict) -> str:
        """The title of a pictured record in ``features.png``."""
        return record.get("label", "")

    def fit(self, spec, records, out_dir: Path) -> dict:
        """Statistics of the training split, ``measurements.json`` and the feature picture
        in ``out_dir``; returns the summary."""
        return fit_measurements(spec, records, out_dir, describe=self.picture_title)[1]

    def load(self, spec, prep_dir: Path):
        """The MeasurementPrep (encoder with the training statistics)."""
        return load_prep(spec.input, prep_dir)

    def model_input(self, spec, prep):
        """(Keras inputs dict, masked frames [B, T', D])."""
        inputs, x, _ = frame_inputs(prep.feature_size, spec.model)
        return inputs, x

    def examples(self, spec, prep, records, training: bool) -> tf.data.Dataset:
        """Unbatched ``{"features", "lengths"}`` of the records (augmented in training)."""
        return examples(prep, records, training)
