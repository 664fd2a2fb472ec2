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

Also here: ``TaggerModel`` (a functional Keras model whose loss is the CRF negative
log-likelihood or, without a CRF layer, per-token cross-entropy, both over real tokens
only) and ``MaskedTokenAccuracy``. Tags of padded steps are ``-1`` in the targets.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

#: Target value of padded steps: never counted in a loss or a metric.
PAD_TAG = -1


# ----------------------------------------------------------------------------- algorithms
def _sequence_mask(lengths, max_len):
    return tf.sequence_mask(lengths, max_len)


def _one_more_step(potentials):
    """Append one padded step, so that batches with zero steps stay valid."""
    return tf.pad(tf.convert_to_tensor(potentials), [[0, 0], [0, 1], [0, 0]])


def crf_sequence_score(potentials, tags, lengths, transitions, start, end):
    """Unnormalised score of the given tag sequences, [B]."""
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
    """log Z (the forward algorithm) for each sequence, [B]; 0 for empty sequences."""
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
    """log p(tags | potentials) for each sequence, [B] (0 for empty sequences)."""
    return (crf_sequence_score(potentials, tags, lengths, transitions, start, end)
            - crf_log_norm(potentials, lengths, transitions, start, end))


def viterbi_decode(potentials, lengths, transitions, start, end):
    """The highest-scoring tag sequences, [B, T] int32 (padded steps 0), and their scores [B]."""
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

    The loss (``TaggerModel``) and decoding (``decode``) read its weights.
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
        return (tf.convert_to_tensor(self.transitions),
                tf.convert_to_tensor(self.start_transitions),
                tf.convert_to_tensor(self.end_transitions))

    def log_likelihood(self, potentials, tags, lengths):
        return crf_log_likelihood(potentials, tags, lengths, *self.weights_tuple())

    def decode(self, potentials, lengths):
        return viterbi_decode(potentials, lengths, *self.weights_tuple())

    def get_config(self):
        return {**super().get_config(), "num_tags": self.num_tags}


# ------------------------------------------------------------------- loss, metric, model
def lengths_from_targets(y_true):
    """Real steps per sequence from targets padded with ``PAD_TAG``."""
    return tf.reduce_sum(tf.cast(tf.cast(y_true, tf.int32) >= 0, tf.int32), axis=1)


def tagging_loss_sum(y_true, potentials, crf: CRF | None):
    """(summed loss over real tokens, number of real tokens) for a padded batch.

    With a CRF: the negative log-likelihood of each gold sequence; without: per-token
    cross-entropy of softmax(potentials). Padded steps (target ``PAD_TAG``) add nothing.
    """
    y_true = tf.cast(y_true, tf.int32)
    potentials = tf.cast(potentials, tf.float32)
    valid = y_true >= 0
    tokens = tf.reduce_sum(tf.cast(valid, tf.float32))
    if crf is not None:
        nll = -crf.log_likelihood(potentials, y_true, lengths_from_targets(y_true))
        return tf.reduce_sum(nll), tokens
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.maximum(y_true, 0),
                                                        logits=potentials)
    return tf.reduce_sum(tf.where(valid, ce, tf.zeros_like(ce))), tokens


def decode_potentials(potentials, lengths, crf: CRF | None):
    """Best tag ids [B, T] (Viterbi with a CRF, per-token argmax without); padded steps 0."""
    potentials = tf.cast(potentials, tf.float32)
    if crf is not None:
        return crf.decode(potentials, lengths)[0]
    mask = tf.sequence_mask(tf.cast(lengths, tf.int32), tf.shape(potentials)[1])
    best = tf.argmax(potentials, axis=-1, output_type=tf.int32)
    return tf.where(mask, best, tf.zeros_like(best))


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedTokenAccuracy(keras.metrics.Metric):
    """Share of real tokens (target >= 0) whose highest potential is the gold tag."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        valid = ops.cast(y_true >= 0, "float32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true),
                       "float32") * valid
        self.correct.assign_add(ops.sum(hit))
        self.total.assign_add(ops.sum(valid))

    def result(self):
        return ops.divide_no_nan(self.correct, self.total)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)


@keras.saving.register_keras_serializable(package="seqkeras")
class TaggerModel(keras.Model):
    """A functional tagging model whose loss is the mean over real tokens of the CRF
    negative log-likelihood (when it ends in a ``CRF`` layer) or of the per-token
    cross-entropy; targets are tag ids padded with ``PAD_TAG``. Built like any
    functional model: ``TaggerModel(inputs, outputs)``."""

    @property
    def crf_layer(self) -> CRF | None:
        found = [layer for layer in self.layers if isinstance(layer, CRF)]
        return found[-1] if found else None

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        total, tokens = tagging_loss_sum(y, y_pred, self.crf_layer)
        loss = tf.math.divide_no_nan(total, tokens)
        for extra in self.losses:
            loss = loss + tf.cast(extra, loss.dtype)
        return loss

    def decode(self, potentials, lengths):
        return decode_potentials(potentials, lengths, self.crf_layer)
