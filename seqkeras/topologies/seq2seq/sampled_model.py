"""A teacher-forced model whose training loss can skip most of the vocabulary.

Keras' training step runs the whole model forward, so a model ending in a
vocabulary-sized softmax pays for all of it even when the loss would need a sample.
``SampledSoftmaxModel`` keeps the functional graph (decoding, evaluation and the export
call it as usual and score every word) and, when its ``SampledSoftmaxLogits`` layer
samples, trains by running the graph only up to that layer's input and scoring the
gold words against a sample (``SampledSoftmaxLogits.sampled_loss``). The setting lives
on the layer, so a saved and reloaded model trains the same way.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from seqkeras.constants import PAD_ID
from seqkeras.layers.sampled_softmax import SampledSoftmaxLogits


@keras.saving.register_keras_serializable(package="seqkeras")
class SampledSoftmaxModel(keras.Model):
    """A functional model (``SampledSoftmaxModel(inputs, outputs)``) whose output layer
    is a :class:`SampledSoftmaxLogits`; targets are int ``[B, T]`` word ids padded with
    ``PAD_ID``. With ``num_sampled`` 0 it trains like any functional model. With
    sampling, the training loss (and the ``loss`` Keras logs for training) is the mean
    sampled-softmax NLL over real target tokens, an estimate below the full softmax's;
    ``val_loss`` and every evaluation use the full softmax. A model that samples takes
    no compiled metrics."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        heads = [layer for layer in self.layers if isinstance(layer, SampledSoftmaxLogits)]
        head = heads[-1] if heads else None
        # the graph up to the head's input, sharing every layer (and weight) with the
        # model; set past Keras' attribute tracking so its weights are not listed twice
        # (and the export does not save it)
        hidden = (keras.Model(self.input, head.input, name="hidden")
                  if head is not None and head.samples else None)
        object.__setattr__(self, "_head", head)
        object.__setattr__(self, "_hidden", hidden)

    @property
    def samples(self) -> int:
        """Words the training loss samples per batch (0: the full softmax)."""
        return self._hidden is not None and self._head.samples or 0

    def train_step(self, data):
        if self._hidden is None:
            return super().train_step(data)
        if self._compile_metrics is not None:
            raise ValueError("a model trained with sampled softmax takes no compiled "
                             "metrics (they would need the full logits the training step "
                             "skips): compile it with metrics=None")
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError("sampled softmax weighs every real target token alike: the "
                             "dataset gives sample weights it would ignore")
        with tf.GradientTape() as tape:
            hidden = self._hidden(x, training=True)
            loss = self._head.sampled_loss(hidden, y, tf.not_equal(y, PAD_ID))
            for extra in self.losses:
                loss = loss + tf.cast(extra, loss.dtype)
            self._loss_tracker.update_state(loss, sample_weight=tf.shape(y)[0])
            # each replica's gradients are summed across replicas (as Keras' own step)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = self.optimizer.scale_loss(loss / tf.cast(replicas, loss.dtype))
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
        return {"loss": self._loss_tracker.result()}
