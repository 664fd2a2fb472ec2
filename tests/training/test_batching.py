"""seqkeras.training.batching: length buckets, bucketed training batches, padded
evaluation batches in order, and the seeded record order."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.spec import PipelineSpec
from seqkeras.training.batching import (batch_dataset, input_length, length_buckets,
                                        prefetched, seeded_permutation, target_length)


def make_spec(**sections) -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "t", "data": {"sources": [{"path": "x.csv"}]},
                                        **sections})


def pairs(lengths):
    """(x, y): x of 3 ids, y of the given length (ids 1.., 0 pads)."""
    return tf.data.Dataset.from_generator(
        lambda: ((np.ones(3, np.int64), np.arange(1, n + 1, dtype=np.int64)) for n in lengths),
        output_signature=(tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64)))


def test_batch_dataset_buckets_training_batches_by_the_given_length():
    spec = make_spec(train={"batch_size": 4})
    lengths = [5, 40] * 8
    batches = list(batch_dataset(pairs(lengths), spec, True, 64, length=target_length,
                                 padding_values=(np.int64(0), np.int64(-1))))
    # lengths 5 and 40 fall in different buckets: a batch never mixes them
    assert sorted(y.shape[1] for _, y in batches) == [5] * 2 + [40] * 2
    assert all(((y == -1).numpy().sum() == 0) for _, y in batches)   # nothing padded
    # evaluation keeps the order and pads with the given values
    x, y = next(iter(batch_dataset(pairs(lengths), spec, False, 64, length=target_length,
                                   padding_values=(np.int64(0), np.int64(-1)))))
    assert y.shape == (4, 40) and (y.numpy()[0, 5:] == -1).all()


@pytest.mark.parametrize("max_length, bounds", [
    (200, [16, 32, 48, 64, 80, 96, 112, 128, 160, 192]), (16, []), (17, [16]),
    (100, [16, 32, 48, 64, 80, 96]),
    (None, [16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640,
            768, 896]),
])
def test_length_buckets(max_length, bounds):
    assert length_buckets(max_length) == bounds


@pytest.mark.parametrize("max_length, min_width, bounds", [
    (40, 1, [4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32]), (4, 1, []), (5, 1, [4]),
    (40, 4, [4, 8, 12, 16, 20, 24, 28, 32]),
    (200, 1, [4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112,
              128, 160, 192]),
])
def test_length_buckets_of_a_smaller_min_width(max_length, min_width, bounds):
    assert length_buckets(max_length, min_width) == bounds


def test_bucket_min_width_reaches_the_batches():
    spec = make_spec(train={"batch_size": 2, "bucket_min_width": 1})
    lengths = [5, 6] * 4           # one bucket at width 16; two at width 1
    batches = list(batch_dataset(pairs(lengths), spec, True, 64, length=target_length))
    assert sorted(y.shape[1] for _, y in batches) == [5, 5, 6, 6]
    coarse = list(batch_dataset(pairs(lengths), make_spec(train={"batch_size": 2}), True, 64,
                                length=target_length))
    assert any(y.shape[1] == 6 and (y.numpy() == 0).any() for _, y in coarse)


def test_seeded_permutation_is_a_seeded_shuffle():
    records = list(range(50))
    a = seeded_permutation(records, 3)
    assert a == seeded_permutation(records, 3) and sorted(a) == records
    assert a != records and a != seeded_permutation(records, 4)
    assert records == list(range(50))  # the input is left alone


def test_lengths_of_an_example():
    x, y = tf.zeros([3, 2]), tf.zeros([5])
    assert int(input_length(x, y)) == 3 and int(target_length(x, y)) == 5


@pytest.mark.parametrize("training", [True, False])
def test_batch_dataset_turns_the_tf_data_autotuner_off(training):
    # With it on, each epoch-end iterator deletion idled for seconds (module docstring).
    ds = pairs([2, 7, 3] * 3).map(lambda x, y: (x, y), num_parallel_calls=tf.data.AUTOTUNE)
    out = batch_dataset(ds, make_spec(train={"batch_size": 4}), training, 8)
    assert out.options().autotune.enabled is False
    assert sum(int(tf.shape(x)[0]) for x, _ in out) == 9


def test_prefetched_keeps_the_elements_and_options_apply_upstream():
    ds = tf.data.Dataset.range(5).map(lambda i: i * 2, num_parallel_calls=tf.data.AUTOTUNE)
    out = prefetched(ds).map(lambda i: i + 1)
    assert out.options().autotune.enabled is False
    assert list(out.as_numpy_iterator()) == [1, 3, 5, 7, 9]
