"""The vocabulary-sized output layer, trainable on a sample of the vocabulary.

A decoder's last layer scores every word of the target vocabulary at every step: for
N target tokens, H hidden units and V words that is N x H x V multiply-adds forward and
twice that backward, plus a softmax over N x V logits. On translate_en_fr (H 128,
V 6,000, 128 pairs a batch) that layer alone takes about a third of a training step on
CPU. Sampled softmax (Jean et al. 2015, "On Using Very Large Target Vocabulary for
Neural Machine Translation") trains it on the gold word and ``num_sampled`` words drawn
once per batch, with the sampling probabilities corrected for
(``tf.nn.sampled_softmax_loss``): the cost falls to N x H x (num_sampled + 1). The draw is
log-uniform (Zipfian) over word ids, which fits because seqkeras word vocabularies list
words by falling training frequency (``seqkeras.text.encoder.build_vocab``; a WordPiece
vocabulary lists its characters first, which are then drawn more often than their
frequency, and the reserved ids are drawn but never gold: the correction keeps the
estimate consistent, only less efficient). Outside the
training loss the layer is an ordinary ``Dense``: validation, test metrics, decoding and
the exported model score the whole vocabulary.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="seqkeras")
class SampledSoftmaxLogits(keras.layers.Dense):
    """``Dense(units)`` logits ``[..., units]`` over a vocabulary ranked by frequency,
    whose owner model (``seqkeras.topologies.seq2seq.sampled_model``) trains it with
    :meth:`sampled_loss` when ``num_sampled`` > 0.

    Args:
        units: vocabulary size V.
        num_sampled: words sampled per batch for the training loss (0: the full
            softmax); at least V - 1 also means the full softmax (nothing to save).
    """

    def __init__(self, units: int, num_sampled: int = 0, **kwargs):
        super().__init__(units, **kwargs)
        if num_sampled < 0:
            raise ValueError(f"num_sampled must be >= 0, got {num_sampled}")
        self.num_sampled = int(num_sampled)

    @property
    def samples(self) -> int:
        """Words sampled per batch; 0 when the full softmax is used."""
        return self.num_sampled if 0 < self.num_sampled < self.units - 1 else 0

    def sampled_loss(self, hidden, targets, mask):
        """Mean sampled-softmax negative log-likelihood (nats, float32 scalar) over the
        positions where ``mask`` is true.

        Args:
            hidden: ``[B, T, H]`` what the layer reads (any float dtype).
            targets: int ``[B, T]`` gold word ids.
            mask: bool ``[B, T]``, true at real (not padded) positions.

        Raises:
            ValueError: when ``samples`` is 0 (use the full softmax instead).
        """
        if not self.samples:
            raise ValueError("sampled_loss needs 0 < num_sampled < units - 1; "
                             f"got num_sampled {self.num_sampled} for {self.units} words")
        mask = tf.reshape(tf.cast(mask, tf.bool), [-1])
        inputs = tf.boolean_mask(tf.reshape(tf.cast(hidden, tf.float32),
                                            [-1, tf.shape(hidden)[-1]]), mask)
        labels = tf.boolean_mask(tf.reshape(tf.cast(targets, tf.int64), [-1]), mask)
        kernel = tf.cast(tf.convert_to_tensor(self.kernel), tf.float32)
        bias = (tf.cast(tf.convert_to_tensor(self.bias), tf.float32) if self.use_bias
                else tf.zeros([self.units], tf.float32))
        losses = tf.nn.sampled_softmax_loss(
            weights=tf.transpose(kernel), biases=bias, labels=labels[:, None], inputs=inputs,
            num_sampled=self.samples, num_classes=self.units, remove_accidental_hits=True)
        return tf.math.divide_no_nan(tf.reduce_sum(losses),
                                     tf.cast(tf.size(labels), tf.float32))

    def get_config(self):
        return {**super().get_config(), "num_sampled": self.num_sampled}
