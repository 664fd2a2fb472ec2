"""The tagging model: loss over real tokens only, with or without a CRF.

``TaggerModel`` is a functional Keras model whose loss is the mean over real tokens of
the CRF negative log-likelihood (when it ends in a :class:`~seqkeras.layers.crf.CRF`
layer) or of the per-token cross-entropy; ``MaskedTokenAccuracy`` scores real tokens
only. Targets are tag ids, ``PAD_TAG`` (-1) on padded steps, so padding never counts.
Keras' own losses cannot do this: the CRF loss needs the whole sequence and the
layer's transition weights.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from seqkeras.layers.crf import CRF
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.spec.auto import require_resolved

#: Target value of padded steps: never counted in a loss or a metric.
PAD_TAG = -1


def tagger_outputs(x, m, num_tags: int):
    """Features ``[B, T, D]`` (masked) -> recurrent stack -> optional head -> per-step
    potentials ``[B, T, num_tags]`` (through a CRF layer when ``m.crf``): the part every
    tagger shares, whatever its input (words or measurement frames).

    Raises ValueError if a setting it reads is still ``auto``
    (``seqkeras.spec.auto.require_resolved``)."""
    require_resolved(m, ("units", "bidirectional", "crf", "head_dropout"))
    x = recurrent_stack(x, m, return_sequences=True)
    if m.head_dropout:
        x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
    if m.head_units:
        x = keras.layers.Dense(m.head_units, activation="tanh", name="head_hidden")(x)
    out = keras.layers.Dense(num_tags, name="potentials")(x)
    return CRF(num_tags, name="crf")(out) if m.crf else out


def lengths_from_targets(y_true):
    """Real steps per sequence, int32 ``[B]``, from int targets ``[B, T]`` padded with
    ``PAD_TAG``."""
    return tf.reduce_sum(tf.cast(tf.cast(y_true, tf.int32) >= 0, tf.int32), axis=1)


def tagging_loss_sum(y_true, potentials, crf: CRF | None):
    """(summed loss over real tokens in nats, number of real tokens), two float32
    scalars, for a padded batch: ``y_true`` int ``[B, T]`` (``PAD_TAG`` on padding),
    ``potentials`` float ``[B, T, K]``.

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
    """Best tag ids, int32 ``[B, T]`` (Viterbi with a CRF, per-token argmax without;
    padded steps 0), from potentials ``[B, T, K]`` and int ``lengths`` ``[B]``."""
    potentials = tf.cast(potentials, tf.float32)
    if crf is not None:
        return crf.decode(potentials, lengths)[0]
    mask = tf.sequence_mask(tf.cast(lengths, tf.int32), tf.shape(potentials)[1])
    best = tf.argmax(potentials, axis=-1, output_type=tf.int32)
    return tf.where(mask, best, tf.zeros_like(best))


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedTokenAccuracy(keras.metrics.Metric):
    """Share of real tokens (target >= 0) whose highest potential is the gold tag: a
    float32 scalar in [0, 1] (0 before any update). ``y_true`` int ``[B, T]``, ``y_pred``
    ``[B, T, K]``; ``sample_weight`` is ignored."""

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
    functional model: ``TaggerModel(inputs, outputs)``; the outputs are potentials
    ``[batch, steps, tags]``."""

    @property
    def crf_layer(self) -> CRF | None:
        """The model's last CRF layer, or None (softmax tagging)."""
        found = [layer for layer in self.layers if isinstance(layer, CRF)]
        return found[-1] if found else None

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        total, tokens = tagging_loss_sum(y, y_pred, self.crf_layer)
        loss = tf.math.divide_no_nan(total, tokens)
        for extra in self.losses:
            loss = loss + tf.cast(extra, loss.dtype)
        return loss

    def decode(self, potentials, lengths):
        """Best tag ids int32 ``[B, T]`` (see :func:`decode_potentials`)."""
        return decode_potentials(potentials, lengths, self.crf_layer)
