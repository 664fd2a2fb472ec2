"""Linear-chain CRF for sequence tagging, in Keras 3 / TensorFlow ops (no TF Addons).

A CRF scores a whole tag sequence ``y`` for per-token potentials ``P`` (the logits of a
dense layer over the recurrent outputs):

    score(y) = start[y_0] + sum_t P[t, y_t] + sum_t>0 T[y_{t-1}, y_t] + end[y_{n-1}]

Training maximises ``score(gold) - log Z`` (``Z`` sums ``exp(score)`` over every tag
sequence; the forward algorithm computes it in O(n K^2)); decoding takes the best
sequence with Viterbi. Both run as ``tf.scan`` / ``tf.foldl`` loops over time (core TF
``While`` ops), so decoding works inside an exported SavedModel that TF Serving loads.

Sequences are padded on the right; ``lengths`` says how many steps of each are real.
Padded steps never change a score: the forward/Viterbi state is carried through them
unchanged and the gold path's terms are masked.

The tagging model whose loss reads this layer's weights (``TaggerModel``) belongs to the
many_to_many topology (``seqkeras.topologies.many_to_many.tagger_model``).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


# ----------------------------------------------------------------------------- algorithms
def _sequence_mask(lengths, max_len):
    return tf.sequence_mask(lengths, max_len)


def _one_more_step(potentials):
    """Append one padded step, so that batches with zero steps stay valid."""
    return tf.pad(tf.convert_to_tensor(potentials), [[0, 0], [0, 1], [0, 0]])


def crf_sequence_score(potentials, tags, lengths, transitions, start, end):
    """Unnormalised score of the given tag sequences: float32 ``[B]``.

    ``potentials`` float ``[B, T, K]``; ``tags`` int ``[B, T]`` (padded steps any value,
    negative ones included: they are masked); ``lengths`` int ``[B]`` real steps;
    ``transitions`` ``[K, K]`` (from, to), ``start`` and ``end`` ``[K]``. An empty
    sequence scores 0. Raises nothing of its own (TF raises on mismatched shapes).
    """
    potentials = _one_more_step(potentials)
    tags = tf.pad(tf.maximum(tf.cast(tags, tf.int32), 0), [[0, 0], [0, 1]])  # padding masked
    lengths = tf.cast(lengths, tf.int32)
    max_len = tf.shape(potentials)[1]
    mask = tf.cast(_sequence_mask(lengths, max_len), potentials.dtype)
    emit = tf.gather(potentials, tags, axis=2, batch_dims=2)            # [B, T]
    score = tf.reduce_sum(emit * mask, axis=1)
    pairs = tf.stack([tags[:, :-1], tags[:, 1:]], axis=-1)             # [B, T-1, 2]
    trans = tf.gather_nd(transitions, pairs)                           # [B, T-1]
    score += tf.reduce_sum(trans * mask[:, 1:], axis=1)
    nonempty = tf.cast(lengths > 0, potentials.dtype)
    last = tf.gather(tags, tf.maximum(lengths - 1, 0), axis=1, batch_dims=1)
    score += (tf.gather(start, tags[:, 0]) + tf.gather(end, last)) * nonempty
    return score


def crf_log_norm(potentials, lengths, transitions, start, end):
    """log Z (the forward algorithm) for each sequence: float32 ``[B]`` in nats; 0 for
    empty sequences. Arguments as in :func:`crf_sequence_score` (no tags)."""
    potentials = _one_more_step(potentials)
    lengths = tf.cast(lengths, tf.int32)
    max_len = tf.shape(potentials)[1]
    mask = _sequence_mask(lengths, max_len)
    steps = tf.transpose(potentials, [1, 0, 2])                        # [T, B, K]
    step_mask = tf.transpose(mask)                                     # [T, B]
    alpha0 = start[None, :] + steps[0]

    def forward(alpha, elems):
        emit, valid = elems
        new = tf.reduce_logsumexp(alpha[:, :, None] + transitions[None], axis=1) + emit
        return tf.where(valid[:, None], new, alpha)

    alpha = tf.foldl(forward, (steps[1:], step_mask[1:]), initializer=alpha0)
    log_z = tf.reduce_logsumexp(alpha + end[None, :], axis=1)
    return tf.where(lengths > 0, log_z, tf.zeros_like(log_z))


def crf_log_likelihood(potentials, tags, lengths, transitions, start, end):
    """log p(tags | potentials) for each sequence: float32 ``[B]`` in nats (<= 0; 0 for
    empty sequences). Arguments as in :func:`crf_sequence_score`."""
    return (crf_sequence_score(potentials, tags, lengths, transitions, start, end)
            - crf_log_norm(potentials, lengths, transitions, start, end))


def viterbi_decode(potentials, lengths, transitions, start, end):
    """The highest-scoring tag sequences, int32 ``[B, T]`` (padded steps 0), and their
    unnormalised scores, float32 ``[B]`` (0 for empty sequences). Arguments as in
    :func:`crf_sequence_score` (no tags); ``T`` may be 0."""
    steps_in = tf.shape(potentials)[1]
    potentials = _one_more_step(potentials)
    lengths = tf.cast(lengths, tf.int32)
    max_len = tf.shape(potentials)[1]
    num_tags = tf.shape(potentials)[2]
    mask = _sequence_mask(lengths, max_len)
    steps = tf.transpose(potentials, [1, 0, 2])
    step_mask = tf.transpose(mask)
    alpha0 = start[None, :] + steps[0]
    identity = tf.broadcast_to(tf.range(num_tags)[None, :], tf.shape(alpha0))

    def forward(carry, elems):
        alpha, _ = carry
        emit, valid = elems
        scores = alpha[:, :, None] + transitions[None]                  # [B, from, to]
        best_prev = tf.argmax(scores, axis=1, output_type=tf.int32)     # [B, K]
        new = tf.reduce_max(scores, axis=1) + emit
        # a padded step keeps the state and points every tag back to itself
        return (tf.where(valid[:, None], new, alpha),
                tf.where(valid[:, None], best_prev, identity))

    alphas, pointers = tf.scan(forward, (steps[1:], step_mask[1:]),
                               initializer=(alpha0, identity))
    final = tf.concat([alpha0[None], alphas], axis=0)[-1] + end[None, :]
    last_tag = tf.argmax(final, axis=1, output_type=tf.int32)          # [B]
    best_score = tf.reduce_max(final, axis=1)

    def backward(tag, pointer):
        return tf.gather(pointer, tag, axis=1, batch_dims=1)

    earlier = tf.scan(backward, pointers, initializer=last_tag, reverse=True)  # [T-1, B]
    path = tf.transpose(tf.concat([earlier, last_tag[None]], axis=0))          # [B, T]
    path = tf.where(mask, path, tf.zeros_like(path))[:, :steps_in]
    best_score = tf.where(lengths > 0, best_score, tf.zeros_like(best_score))
    return path, best_score


# ---------------------------------------------------------------------------------- layer
@keras.saving.register_keras_serializable(package="seqkeras")
class CRF(keras.layers.Layer):
    """CRF output layer: holds the tag-transition scores (plus start and end scores)
    and passes the per-token potentials through unchanged (and their mask).

    Input: potentials ``[batch, steps, num_tags]`` (any float dtype) with their mask;
    output: the same values as float32, same mask. Weights: ``transitions``
    ``[num_tags, num_tags]`` (from, to), ``start_transitions`` and ``end_transitions``
    ``[num_tags]``. A loss (the many_to_many ``TaggerModel``) and decoding (``decode``)
    read them. Raises nothing of its own.
    """

    def __init__(self, num_tags: int, **kwargs):
        super().__init__(**kwargs)
        self.num_tags = int(num_tags)
        self.supports_masking = True

    def build(self, input_shape):
        k = self.num_tags
        init = keras.initializers.RandomUniform(-0.1, 0.1, seed=1)
        self.transitions = self.add_weight(shape=(k, k), initializer=init, name="transitions")
        self.start_transitions = self.add_weight(shape=(k,), initializer="zeros",
                                                 name="start_transitions")
        self.end_transitions = self.add_weight(shape=(k,), initializer="zeros",
                                               name="end_transitions")

    def call(self, potentials, mask=None):
        return ops.cast(potentials, "float32")

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def weights_tuple(self):
        """(transitions [K, K], start [K], end [K]) as tensors."""
        return (tf.convert_to_tensor(self.transitions),
                tf.convert_to_tensor(self.start_transitions),
                tf.convert_to_tensor(self.end_transitions))

    def log_likelihood(self, potentials, tags, lengths):
        """log p(tags | potentials), float32 ``[B]`` nats (see :func:`crf_log_likelihood`)."""
        return crf_log_likelihood(potentials, tags, lengths, *self.weights_tuple())

    def decode(self, potentials, lengths):
        """Viterbi: (best tags int32 ``[B, T]``, scores ``[B]``) (see :func:`viterbi_decode`)."""
        return viterbi_decode(potentials, lengths, *self.weights_tuple())

    def get_config(self):
        return {**super().get_config(), "num_tags": self.num_tags}
