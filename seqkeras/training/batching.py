"""How every topology's (inputs, targets) examples become training and evaluation batches.

Training batches are shuffled and, with ``train.bucket_by_length``, bucketed by length
so a batch pads to its longest member rather than to the longest example overall;
evaluation keeps the data's order. Records are put in a seeded random order first
(``seeded_permutation``): data files are often sorted by label, and a shuffle buffer
smaller than the data would then feed one class at a time.

Every dataset ends in :func:`prefetched`, which also turns tf.data's autotuner off: with
it on, deleting an iterator (Keras does at each epoch end, for the training and the
validation data) waits for the autotuner's thread to wake, and that thread sleeps up to
60 s between its optimizations. Measured on TF 2.21, 2 cores: the training process
idled 55 s of a 104 s fit, in stretches of 2-10 s at epoch ends, against none with the
autotuner off, at the same CPU seconds (``benchmarks/iterator_stall.py``).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def length_buckets(max_length: int | None, min_width: int = 16) -> list[int]:
    """Bucket boundaries strictly below ``max_length`` tokens (1024 when None): from
    ``max(4, min_width)``, each the last plus ``max(min_width, a quarter of its octave)``.
    ``min_width`` 16 (the default): 16, 32, 48, 64, 80, 96, 112, 128, 160, ...;
    ``min_width`` 1: four per octave from 4, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, ...
    A batch is padded to its longest member, so a bucket's width bounds the padding.

    Why not always fine: a batch of 128 random members of a wide bucket nearly always
    holds one at its top, so every translation batch of sentences under 16 tokens pads
    to 15 although they average 10; with ``min_width`` 1 an epoch of
    ``pipelines/translate_en_fr.yaml`` takes 0.6x the time. But batches of one length
    learn less an epoch (validation loss after 2 epochs on 30k pairs: 2.98 against 2.66),
    so a fixed number of epochs ends worse: measured in ``benchmarks/RESULTS.md``,
    section *speed_status*. With a quarter octave above 64 either way, 8% of the IMDB
    positions the recurrent loop computed were padding (26% with one bucket an octave).
    """
    top = max_length or 1024
    bounds, b = [], max(4, min_width)
    while b < top:
        bounds.append(b)
        b += max(min_width, 2 ** (b.bit_length() - 1) // 4)
    return bounds


def seeded_permutation(records: list, seed: int) -> list:
    """A new list of the records in a seeded random order (numpy ``default_rng(seed)``).
    Data files are often sorted by label (IMDB's are), and a shuffle buffer smaller than
    the data would then feed one class at a time."""
    order = np.random.default_rng(seed).permutation(len(records))
    return [records[i] for i in order]


def input_length(x, y):
    """Length of an example's input: ``tf.shape(x)[0]``, int32 scalar (``x`` ``[T, ...]``)."""
    return tf.shape(x)[0]


def target_length(x, y):
    """Length of an example's target: ``tf.shape(y)[0]``, int32 scalar (``y`` ``[T, ...]``)."""
    return tf.shape(y)[0]


def batch_dataset(ds, spec, training: bool, max_length, length=input_length,
                  padding_values=None):
    """Padded batches of ``train.batch_size`` from a dataset of unbatched (x, y) examples.

    Training: shuffled (``train.shuffle_buffer``, seeded by ``spec.seed``, reshuffled each
    epoch) and, with ``train.bucket_by_length``, bucketed by ``length(x, y)`` (an int32
    scalar per example) at :func:`length_buckets` of ``max_length``. Evaluation: in order.
    Each batch pads every component to its longest member with ``padding_values`` (a
    structure like (x, y); None pads with zeros). Returns a prefetched dataset. Raises
    nothing of its own; tf.data raises on components that cannot be padded.
    """
    t = spec.train
    if training:
        ds = ds.shuffle(t.shuffle_buffer, seed=spec.seed, reshuffle_each_iteration=True)
        if t.bucket_by_length:
            bounds = length_buckets(max_length, t.bucket_min_width)
            ds = ds.bucket_by_sequence_length(
                length, bounds, [t.batch_size] * (len(bounds) + 1),
                padding_values=padding_values)
        else:
            ds = ds.padded_batch(t.batch_size, padding_values=padding_values)
    else:
        ds = ds.padded_batch(t.batch_size, padding_values=padding_values)
    return prefetched(ds)


#: tf.data options of every dataset a topology trains or evaluates on (module docstring).
_OPTIONS = tf.data.Options()
_OPTIONS.autotune.enabled = False


def prefetched(ds: tf.data.Dataset) -> tf.data.Dataset:
    """``ds`` with a prefetch buffer (grown as the consumer outpaces it) and tf.data's
    autotuner off, for the whole pipeline upstream of it (the module docstring says why).
    ``map(num_parallel_calls=tf.data.AUTOTUNE)`` upstream then runs one call per core."""
    return ds.prefetch(tf.data.AUTOTUNE).with_options(_OPTIONS)
