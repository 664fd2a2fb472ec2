"""The in-graph audio front-end: WAV bytes -> samples -> log-mel (MFCC, deltas) frames.

One object computes the features for training (in tf.data) and inside the export (on
served requests), with core TF ops only (``tf.audio.decode_wav``, ``tf.signal``), so
TF Serving computes exactly the features the model was trained on and clients send
raw audio.

Frames: a Hann-windowed STFT of ``frame_length_ms`` windows every ``frame_step_ms``
(``pad_end``: a recording of n samples has ceil(n / step) frames, the last ones read
zeros past its end), magnitudes -> ``mel_bins`` triangular mel filters (HTK mel scale,
``tf.signal.linear_to_mel_weight_matrix``) -> log(x + 1e-6) -> optionally the first
``mfcc`` coefficients of their DCT-II (``tf.signal.mfccs_from_log_mel_spectrograms``)
-> optionally deltas (the regression formula over +-2 frames of HTK/Kaldi, Young et al.,
The HTK Book, 5.6), each sequence's first and last frames repeated at its own edges.

Padding changes nothing: a batch pads its recordings with zeros, which is what
``pad_end`` reads past an unpadded recording's end, deltas clamp at each sequence's own
length, and frames past a sequence's length are set to 0.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Added to mel energies before the log (silence -> log(1e-6), not -inf).
LOG_OFFSET = 1e-6
#: The delta regression window: +-2 frames.
DELTA_WINDOW = 2


def decode_wavs(wavs: tf.Tensor, sample_rate: int, max_samples: int):
    """WAV file bytes ``[B]`` string -> (samples float32 ``[B, N]`` in [-1, 1), zero-padded
    to the longest, lengths int32 ``[B]``), each cut to ``max_samples``.

    Raises (at run time, an InvalidArgumentError naming the problem) for a file that is
    not 16-bit PCM WAV, is truncated, has more than one channel or another sample rate.
    """
    def one(wav):
        audio, rate = tf.audio.decode_wav(wav)
        checks = [
            tf.debugging.assert_equal(rate, tf.constant(sample_rate, tf.int32), message=(
                f"the WAV sample rate is not {sample_rate} Hz, the rate the model was "
                "trained on")),
            tf.debugging.assert_equal(tf.shape(audio)[1], 1, message=(
                "the WAV file has more than one channel; send mono audio")),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(audio[:max_samples, 0])

    ragged = tf.map_fn(one, wavs, fn_output_signature=tf.RaggedTensorSpec(
        [None], tf.float32, ragged_rank=0))
    return ragged.to_tensor(), tf.cast(ragged.row_lengths(), tf.int32)


def frame_lengths(lengths: tf.Tensor, step: int) -> tf.Tensor:
    """Frames of recordings of ``lengths`` samples (int32 ``[B]``): ceil(n / step)."""
    return (lengths + step - 1) // step


def deltas(x: tf.Tensor, lengths: tf.Tensor, window: int = DELTA_WINDOW) -> tf.Tensor:
    """First-order deltas of ``x`` float32 ``[B, T, F]``, each sequence of ``lengths``
    (int32 ``[B]``) frames padded by repeating its own first and last frame:
    d_t = sum_n n (x_{t+n} - x_{t-n}) / (2 sum_n n^2), n = 1..window."""
    t = tf.range(tf.shape(x)[1])[None, :]
    last = tf.maximum(lengths - 1, 0)[:, None]

    def at(offset):
        return tf.gather(x, tf.minimum(tf.maximum(t + offset, 0), last), batch_dims=1)

    total = tf.add_n([n * (at(n) - at(-n)) for n in range(1, window + 1)])
    return total / (2.0 * sum(n * n for n in range(1, window + 1)))


def time_mask(lengths: tf.Tensor, steps: tf.Tensor) -> tf.Tensor:
    """float32 ``[B, T, 1]``: 1 for the first ``lengths`` of ``steps`` frames, else 0."""
    return tf.cast(tf.sequence_mask(lengths, steps), tf.float32)[:, :, None]


class AudioFrontEnd:
    """Samples -> frames of features, for one ``input`` section (``AudioInput``).

    ``mean`` and ``std`` (float ``[F]``: the training split's statistics; None: no
    standardization) are constants of the graph.
    """

    def __init__(self, config, mean=None, std=None):
        self.config = config
        self.frame_length, self.frame_step, self.fft_length = config.frame_samples()
        upper = config.upper_hz if config.upper_hz is not None else config.sample_rate / 2
        # computed once, eagerly: a constant of the graph
        self.mel_matrix = tf.constant(tf.signal.linear_to_mel_weight_matrix(
            config.mel_bins, self.fft_length // 2 + 1, config.sample_rate, config.lower_hz,
            upper).numpy())
        self.max_samples = int(round(config.max_seconds * config.sample_rate))
        self.mean = None if mean is None else tf.constant(np.asarray(mean, np.float32))
        self.std = None if std is None else tf.constant(np.asarray(std, np.float32))

    @property
    def feature_size(self) -> int:
        """Features a frame (F)."""
        return self.config.feature_size()

    def raw_features(self, samples: tf.Tensor, lengths: tf.Tensor):
        """Unnormalized features: samples float32 ``[B, N]`` and lengths int32 ``[B]`` ->
        (features float32 ``[B, T, F]``, frame lengths int32 ``[B]``); frames past a
        sequence's length are 0."""
        c = self.config
        stft = tf.signal.stft(samples, self.frame_length, self.frame_step, self.fft_length,
                              window_fn=tf.signal.hann_window, pad_end=True)
        mel = tf.tensordot(tf.abs(stft), self.mel_matrix, 1)
        x = tf.math.log(mel + LOG_OFFSET)
        if c.mfcc:
            x = tf.signal.mfccs_from_log_mel_spectrograms(x)[..., :c.mfcc]
        frames = tf.minimum(frame_lengths(lengths, self.frame_step), tf.shape(x)[1])
        parts = [x]
        for _ in range(c.deltas):
            parts.append(deltas(parts[-1], frames))
        x = tf.concat(parts, axis=-1) if len(parts) > 1 else x
        return x * time_mask(frames, tf.shape(x)[1]), frames

    def __call__(self, samples: tf.Tensor, lengths: tf.Tensor):
        """Model features: :meth:`raw_features`, standardized with the training
        statistics; frames past a sequence's length stay 0."""
        x, frames = self.raw_features(samples, lengths)
        if self.mean is not None:
            x = (x - self.mean) / self.std * time_mask(frames, tf.shape(x)[1])
        return x, frames

    def decode(self, wavs: tf.Tensor):
        """WAV bytes ``[B]`` -> (samples ``[B, N]``, lengths ``[B]``); see :func:`decode_wavs`."""
        return decode_wavs(wavs, self.config.sample_rate, self.max_samples)
