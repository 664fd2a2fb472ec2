"""What the tokenize stage learns about measurement inputs, and the encoder it makes.

Per-feature standardization statistics come from the training split only: the mean and
standard deviation of every real step (numeric) or frame (audio features) of the
training records, at most :data:`STAT_RECORDS` of them (a seeded sample). They are
written to ``measurements.json`` and become constants of the graph, so served raw
values are standardized exactly as the training data was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqkeras.audio.frontend import AudioFrontEnd, time_mask

PREP_FILE = "measurements.json"
#: Training records the statistics are computed over (a seeded sample of larger splits).
STAT_RECORDS = 4000
#: A feature whose standard deviation is below this is only centred (divided by 1).
MIN_STD = 1e-6


class NumericEncoder:
    """Raw ``[B, T, F]`` sequences -> model features: cut to ``input.max_length`` steps
    (keeping the start or the end of each row), standardized, padded steps 0."""

    def __init__(self, config, width: int, mean=None, std=None):
        self.config, self.feature_size = config, width
        self.mean = None if mean is None else tf.constant(np.asarray(mean, np.float32))
        self.std = None if std is None else tf.constant(np.asarray(std, np.float32))

    def __call__(self, x: tf.Tensor, lengths: tf.Tensor):
        """x float32 ``[B, T, F]``, lengths int32 ``[B]`` -> (features float32
        ``[B, T', F]``, lengths int32 ``[B]``)."""
        lengths = tf.minimum(tf.cast(lengths, tf.int32), tf.shape(x)[1])
        limit = self.config.max_length
        if limit is not None:
            if self.config.truncate == "keep_end":
                start = tf.maximum(lengths - limit, 0)[:, None]
                width = tf.minimum(tf.shape(x)[1], limit)
                index = tf.minimum(start + tf.range(width)[None, :],
                                   tf.maximum(tf.shape(x)[1] - 1, 0))
                x = tf.gather(x, index, batch_dims=1)
            else:
                x = x[:, :limit]
            lengths = tf.minimum(lengths, limit)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x * time_mask(lengths, tf.shape(x)[1]), lengths


@dataclass
class MeasurementPrep:
    """The measurement side of a topology's preprocessing, loaded: the ``input`` section,
    the per-feature statistics, and the encoder (``NumericEncoder`` or ``AudioFrontEnd``)
    that turns raw values into features ``[B, T, F]`` with lengths ``[B]``."""

    config: object
    width: int                     #: features a step of the raw sequences (numeric)
    mean: list | None
    std: list | None

    def __post_init__(self):
        if self.config.kind == "audio":
            self.encoder = AudioFrontEnd(self.config, self.mean, self.std)
        else:
            self.encoder = NumericEncoder(self.config, self.width, self.mean, self.std)

    @property
    def kind(self) -> str:
        """``numeric`` or ``audio``."""
        return self.config.kind

    @property
    def feature_size(self) -> int:
        """Features a step of the model's input (F)."""
        return self.encoder.feature_size

    def encode(self, raw: tf.Tensor, lengths: tf.Tensor):
        """Raw sequences ``[B, T, F]`` or samples ``[B, N]`` with lengths ``[B]`` ->
        (features float32 ``[B, T', F']``, lengths int32 ``[B]``)."""
        return self.encoder(raw, tf.cast(lengths, tf.int32))

    def to_json(self) -> dict:
        """What ``measurements.json`` holds."""
        return {"kind": self.kind, "width": self.width, "feature_size": self.feature_size,
                "mean": self.mean, "std": self.std,
                "input": self.config.model_dump(mode="json")}


def unnormalized(config, width: int) -> MeasurementPrep:
    """A prep without statistics (what they are computed through)."""
    return MeasurementPrep(config, width, None, None)


def fit_statistics(config, raw_dataset, width: int, batch_size: int = 64) -> dict:
    """Per-feature mean and std (``normalize``) over the real steps of ``raw_dataset``
    (unbatched ``(raw, length)`` examples), computed through the same encoder the model
    reads, without statistics. Returns ``{"mean": [...], "std": [...]}`` (None each
    when ``config.normalize`` is false)."""
    if not config.normalize:
        return {"mean": None, "std": None}
    prep = unnormalized(config, width)

    @tf.function(reduce_retracing=True)
    def moments(raw, lengths):
        x, n = prep.encode(raw, lengths)
        mask = time_mask(n, tf.shape(x)[1])
        return (tf.reduce_sum(x * mask, [0, 1]), tf.reduce_sum(tf.square(x) * mask, [0, 1]),
                tf.reduce_sum(mask))

    total = squares = count = 0.0
    for raw, lengths in raw_dataset.padded_batch(batch_size):
        s, q, c = moments(raw, lengths)
        total, squares, count = total + s.numpy(), squares + q.numpy(), count + float(c)
    mean = np.asarray(total, np.float64) / max(count, 1.0)
    var = np.maximum(np.asarray(squares, np.float64) / max(count, 1.0) - mean ** 2, 0.0)
    std = np.sqrt(var)
    std[std < MIN_STD] = 1.0
    return {"mean": mean.tolist(), "std": std.tolist()}


def save_prep(prep: MeasurementPrep, out_dir: Path) -> None:
    """Write ``measurements.json`` into ``out_dir``."""
    (Path(out_dir) / PREP_FILE).write_text(json.dumps(prep.to_json(), indent=2) + "\n")


def load_prep(config, prep_dir: Path) -> MeasurementPrep:
    """The prep the tokenize stage wrote, with the spec's ``input`` section. Raises
    FileNotFoundError when the tokenize output has none (rerun it)."""
    d = json.loads((Path(prep_dir) / PREP_FILE).read_text())
    return MeasurementPrep(config, d["width"], d["mean"], d["std"])
