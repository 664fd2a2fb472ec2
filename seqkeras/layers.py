"""Small Keras layers seqkeras models need beyond keras.layers, serializable by name."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time of the unmasked steps (padding never wins the max).

    A sequence with no unmasked step pools to zeros rather than a huge negative number.
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


POOLINGS = {
    "mean": lambda name: keras.layers.GlobalAveragePooling1D(name=name),
    "max": lambda name: MaskedGlobalMaxPooling1D(name=name),
}
