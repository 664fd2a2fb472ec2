"""Connectionist Temporal Classification: the loss of the transcription model.

CTC (Graves et al., "Connectionist Temporal Classification: Labelling Unsegmented
Sequence Data with Recurrent Neural Networks", ICML 2006) sums the probability of every
frame-level path that collapses (repeats merged, blanks removed) to the transcript, so
Tx frames train against Ty labels with no alignment and no decoder. The blank is the
last class (TensorFlow's decoders expect it there); label id 0 ([PAD]) never occurs in a
transcript, so transcripts padded with 0 are read as sparse labels directly.

``CTCModel`` is a functional Keras model whose outputs are ``{"logits": [B, T, C],
"logit_lengths": [B]}``; its loss is the mean over the batch of the per-sequence
negative log-likelihood in nats. A sequence whose frames are too few for its
transcript (CTC needs at least one frame a label, two between repeated labels) adds
nothing instead of failing the batch or turning the loss infinite.
"""

from __future__ import annotations

import keras
import tensorflow as tf

LOGITS, LOGIT_LENGTHS = "logits", "logit_lengths"


def ctc_nll(labels, logits, logit_lengths):
    """Per-sequence CTC negative log-likelihood, float32 ``[B]`` (nats; 0 for a
    sequence too short for its labels): ``labels`` int ``[B, L]`` padded with 0,
    ``logits`` float ``[B, T, C]`` (blank = C - 1), ``logit_lengths`` int ``[B]``."""
    sparse = tf.sparse.from_dense(tf.cast(labels, tf.int32))
    nll = tf.compat.v1.nn.ctc_loss(
        sparse, tf.cast(logits, tf.float32), tf.cast(logit_lengths, tf.int32),
        preprocess_collapse_repeated=False, ctc_merge_repeated=True,
        ignore_longer_outputs_than_inputs=True, time_major=False)
    # too few frames between repeated labels gives inf (its gradient through the
    # unselected branch is 0, tested)
    return tf.where(tf.math.is_finite(nll), nll, tf.zeros_like(nll))


def ctc_feasible(labels, logit_lengths):
    """bool ``[B]``: whether each transcript (int ``[B, L]`` padded with 0) fits its
    frames: CTC emits one label a frame and needs a blank between repeated labels."""
    labels = tf.cast(labels, tf.int32)
    real = labels > 0
    repeats = tf.logical_and(real[:, 1:], tf.equal(labels[:, 1:], labels[:, :-1]))
    needed = (tf.reduce_sum(tf.cast(real, tf.int32), axis=1)
              + tf.reduce_sum(tf.cast(repeats, tf.int32), axis=1))
    return needed <= tf.cast(logit_lengths, tf.int32)


@keras.saving.register_keras_serializable(package="seqkeras")
class CTCModel(keras.Model):
    """A functional model (``CTCModel(inputs, {"logits": ..., "logit_lengths": ...})``)
    trained with the mean CTC loss over its batch; targets are label ids ``[B, L]``
    padded with 0 (``[PAD]``)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = tf.reduce_mean(ctc_nll(y, y_pred[LOGITS], y_pred[LOGIT_LENGTHS]))
        for extra in self.losses:
            loss = loss + tf.cast(extra, loss.dtype)
        return loss
