"""Token ids as model input: encoding texts for tf.data, and the embedded id input.

Every text-reading model (the classifier's ``TextSide``, the translator's
``TextSource``) feeds ``TextEncoder`` ids the same way: each text becomes a 1-D int64
id vector of at least one id (an empty text gets one padding id, which the mask then
hides, so the batch and the served signature never see a zero-length row), and the
model reads them through a masked ``Embedding`` with optional dropout. The layer and
input names are the caller's, so models exported before this module existed keep
theirs.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from seqkeras.constants import PAD_ID


def non_empty(ids: tf.Tensor) -> tf.Tensor:
    """``ids`` (int64 ``[T]``), or ``[PAD_ID]`` when ``T`` is 0."""
    return tf.cond(tf.size(ids) > 0, lambda: ids, lambda: tf.constant([PAD_ID], tf.int64))


def encode_texts(encoder, texts: list[str]) -> tf.data.Dataset:
    """Unbatched 1-D int64 id vectors of ``texts``, at least one id each (see
    :func:`non_empty`); ``encoder`` maps a ``[B]`` string batch to ragged ids."""
    ds = tf.data.Dataset.from_tensor_slices(tf.constant(texts, dtype=tf.string))
    ds = ds.batch(1024).map(encoder, num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    return ds.map(non_empty)


def embedded_ids(input_name: str, vocab_size: int, dim: int, dropout: float,
                 embedding_name: str, dropout_name: str):
    """(``keras.Input`` int64 ``[B, T]`` named ``input_name``, its embedding
    float32 ``[B, T, dim]`` with the padding mask (id 0), after ``Dropout(dropout)``
    when ``dropout`` > 0)."""
    ids = keras.Input(shape=(None,), dtype="int64", name=input_name)
    x = keras.layers.Embedding(vocab_size, dim, mask_zero=True, name=embedding_name)(ids)
    if dropout:
        x = keras.layers.Dropout(dropout, name=dropout_name)(x)
    return ids, x
