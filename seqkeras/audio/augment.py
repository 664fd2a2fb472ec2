"""Training-time augmentation of recordings and their features (``input.augment``).

Applied per example in the training tf.data pipeline only; validation, test and served
audio are never augmented. Waveform: a random time shift (silence of up to
``time_shift_ms`` before and after the recording, so no speech is cut off) and white
background noise at a random signal-to-noise ratio. Features: SpecAugment's time and
frequency masks (Park et al., "SpecAugment: A Simple Data Augmentation Method for
Automatic Speech Recognition", Interspeech 2019), set to 0, the training mean after
standardization. The randomness follows TensorFlow's global seed (``spec.seed``).
"""

from __future__ import annotations

import tensorflow as tf


def shift_and_noise(samples: tf.Tensor, augment, sample_rate: int) -> tf.Tensor:
    """One recording float32 ``[N]`` -> augmented ``[N']`` (N' >= N with a time shift)."""
    if augment.time_shift_ms:
        most = int(round(augment.time_shift_ms * sample_rate / 1000))
        before = tf.random.uniform([], 0, most + 1, dtype=tf.int32)
        after = tf.random.uniform([], 0, most + 1, dtype=tf.int32)
        samples = tf.concat([tf.zeros([before]), samples, tf.zeros([after])], 0)
    noise = augment.noise
    if noise is not None:
        snr_db = tf.random.uniform([], noise.min_snr_db, noise.max_snr_db)
        power = tf.reduce_mean(tf.square(samples)) + 1e-10
        std = tf.sqrt(power / tf.pow(10.0, snr_db / 10.0))
        noisy = samples + tf.random.normal(tf.shape(samples), stddev=std)
        samples = tf.cond(tf.random.uniform([]) < noise.probability, lambda: noisy,
                          lambda: samples)
    return samples


def _mask(size: tf.Tensor, extent: tf.Tensor, widest: int) -> tf.Tensor:
    """float32 ``[size]``: 0 on one random span of up to ``widest`` inside the first
    ``extent`` positions, 1 elsewhere."""
    width = tf.random.uniform([], 0, widest + 1, dtype=tf.int32)
    width = tf.minimum(width, extent)
    start = tf.random.uniform([], 0, tf.maximum(extent - width, 0) + 1, dtype=tf.int32)
    positions = tf.range(size)
    inside = tf.logical_and(positions >= start, positions < start + width)
    return 1.0 - tf.cast(inside, tf.float32)


def spec_augment(features: tf.Tensor, length: tf.Tensor, augment) -> tf.Tensor:
    """SpecAugment masks on one example's features float32 ``[T, F]`` of ``length`` real
    frames: ``time_masks`` spans of up to ``time_mask_frames`` frames and ``freq_masks``
    spans of up to ``freq_mask_bins`` features, set to 0."""
    steps, bins = tf.shape(features)[0], tf.shape(features)[1]
    for _ in range(augment.time_masks):
        features = features * _mask(steps, length, augment.time_mask_frames)[:, None]
    for _ in range(augment.freq_masks):
        features = features * _mask(bins, bins, augment.freq_mask_bins)[None, :]
    return features


def augments_waveform(augment) -> bool:
    """Whether ``augment`` changes recordings (not only their features)."""
    return bool(augment.time_shift_ms) or augment.noise is not None


def augments(augment) -> bool:
    """Whether ``augment`` changes anything (training data cannot then be cached)."""
    return augments_waveform(augment) or bool(augment.time_masks or augment.freq_masks)
