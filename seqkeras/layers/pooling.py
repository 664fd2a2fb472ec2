"""Pooling over time that respects the padding mask (``model.pooling`` of many_to_one).

Keras' ``GlobalMaxPooling1D`` ignores the mask, so a padded step (its embedding is not
zero) could win the max and an answer would depend on how wide its batch was padded.
``MaskedGlobalMaxPooling1D`` takes the max over real steps only.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time of the unmasked steps (padding never wins the max).

    Input: float ``[batch, steps, features]`` with an optional bool mask ``[batch,
    steps]`` (True = real step). Output: ``[batch, features]``, same dtype, not masked.
    A sequence with no unmasked step pools to zeros rather than a huge negative number.
    Raises nothing of its own.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = ops.full_like(inputs, -1e9)
        pooled = ops.max(ops.where(valid, inputs, lowest), axis=1)
        any_valid = ops.any(valid, axis=1)
        return ops.where(any_valid, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


#: ``model.pooling`` value -> a factory ``name -> layer`` ([B, T, D] -> [B, D]);
#: ``last`` builds no layer (the recurrent stack returns its final output).
POOLINGS = {
    "mean": lambda name: keras.layers.GlobalAveragePooling1D(name=name),
    "max": lambda name: MaskedGlobalMaxPooling1D(name=name),
}
